import Foundation
@testable import KeywatchCore

/// A rule from its YAML body (the lines under `- `), as a rule file would hold it.
func rule(_ body: String, file: String = "test.yaml") -> Rule {
    let indented = body.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    return try! RuleFile.parse("rules:\n  -\n" + indented, file: file)[0]
}

/// `many-keys`: a `distinct` rule over the resources of a principal's crypto calls in 10 minutes.
func manyKeysRule(threshold: Int) -> Rule {
    rule("""
        id: many-keys
        type: distinct
        where: {class: crypto}
        field: resource
        threshold: \(threshold)
        group_by: [principal]
        window: 10m
        """)
}

/// `2026-11-20T09:00:00Z` plus `seconds`.
func at(_ seconds: Int) -> String {
    let base = Timestamp(parsing: "2026-11-20T09:00:00Z")!
    let time = base + EventDuration.seconds(Int64(seconds))
    return String(time.rfc3339.prefix(19)) + "Z"
}

/// A CloudTrail KMS call by the role `role` at `time`.
func kmsCall(at time: String, by role: String = "app-role", _ name: String = "Decrypt", denied: Bool = false,
             key: String = "6513270e-269e-4d37-b2a7-4de452e6b438", account: String = "111122223333") -> String {
    let keyARN = "arn:aws:kms:us-east-1:111122223333:key/\(key)"
    var overrides: [String: Any] = [
        "eventTime": time, "eventName": name, "requestParameters": ["keyId": keyARN],
        "resources": [["accountId": "111122223333", "type": "AWS::KMS::Key", "ARN": keyARN]],
    ]
    if denied {
        overrides["errorCode"] = "AccessDenied"
        overrides["errorMessage"] = "User is not authorized to perform: kms:\(name) because no identity-based policy allows it"
    }
    return cloudTrail(overrides, identity: [
        "type": "AssumedRole", "principalId": "AROAEXAMPLE:\(role)-session", "accountId": account,
        "arn": "arn:aws:sts::\(account):assumed-role/\(role)/\(role)-session",
        "sessionContext": ["sessionIssuer": ["type": "Role", "arn": "arn:aws:iam::\(account):role/\(role)", "userName": role]],
    ])
}

func roleARN(_ role: String) -> String { "arn:aws:iam::111122223333:role/\(role)" }

/// Runs `rules` over batches of records; returns the alerts as last stored (joins applied), in
/// the order they were raised. `identities` attribute the events and reach the rules, as in ingest;
/// IRSA sessions are remembered from batch to batch.
func detect(_ rules: [Rule], _ batches: [[String]], engine: DetectionEngine? = nil, identities: IdentityMap = .empty,
            progress: EventTimeProgress = .newestEvent) -> [Alert] {
    let engine = engine ?? DetectionEngine(rules: rules, identities: identities)
    var ledger = AlertLedger()
    var attribution = WorkloadAttribution(identities: identities)
    for records in batches {
        var batch = decode(records.joined(separator: "\n"))
        precondition(batch.rejects.isEmpty, "fixture rejected: \(batch.rejects)")
        attribution.attribute(&batch)
        ledger.apply(engine.process(batch, progress: progress))
    }
    return ledger.alerts
}

/// Rules several suites use as they are.
enum SharedRules {
    /// A principal of one namespace acting on a resource of another, one alert per group an hour.
    static let crossNamespace = rule("""
        id: cross-namespace
        type: cross_namespace
        where: {outcome: success}
        group_by: [principal, resource]
        suppress: 1h
        """)

    /// A principal silent for 30 minutes (and 5 of lateness), after a steady rhythm (10 events).
    static let steadySourceSilent = rule("""
        id: source-silent
        type: absence
        group_by: [principal]
        window: 30m
        lateness: 5m
        """)

    /// A principal silent for 30 minutes (and 5 of lateness), after a single event.
    static let sourceSilent = rule("""
        id: source-silent
        type: absence
        group_by: [principal]
        window: 30m
        lateness: 5m
        min_events: 1
        """)
}
