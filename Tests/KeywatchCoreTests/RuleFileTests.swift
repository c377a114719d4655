import Testing
@testable import KeywatchCore

/// Rule files (SPEC §3): every type with its own keys, defaults, and errors naming file, line and key.
@Suite("Rule files")
struct RuleFileTests {
    let example = """
        rules:
          - id: kms-denied-burst
            title: Repeated denied calls to keys and secrets
            severity: high
            type: threshold
            where:
              outcome: denied
              operation|not: Authentication
            unless:
              principal|startswith: "arn:aws:iam::123456789012:role/scanner"
            group_by: [principal, scope]
            window: 10m
            threshold: 5
            suppress: 1h
            tests:
              - events: ../sample-logs/cloudtrail/denied-burst.json
                expect: [{count: 5, group: {principal: "arn:aws:iam::111122223333:role/app"}}]
          - id: mass-secret-reads
            type: distinct
            where: {operation: SecretGet}
            field: object_name
            threshold: 20
            group_by: principal
            window: 5m
          - id: crypto-spike
            type: spike
            where: {class: crypto}
            window: 10m
            baseline: 24h
            factor: 4
          - id: new-caller
            type: first_seen
            where: {class: [read, crypto]}
            fields: [principal, resource]
          - id: cross
            type: cross_namespace
            where: {namespace|exists: true}
          - id: silent
            type: absence
            group_by: [source, scope]
            window: 2h
          - id: destroy
            type: match
            severity: critical
            where: {class: destroy, raw.eventType|not: AwsServiceEvent}
        """

    @Test("the SPEC's example and one rule of every type, with their own keys and the defaults")
    func everyType() throws {
        let rules = try RuleFile.parse(example, file: "rules/x.yaml")
        #expect(rules.map(\.id) == ["kms-denied-burst", "mass-secret-reads", "crypto-spike", "new-caller", "cross", "silent", "destroy"])
        let burst = rules[0]
        #expect((burst.detector as? ThresholdDetector)?.threshold == 5)
        #expect(burst.severity == .high)
        #expect(burst.groupBy == [.normalized(.principal), .normalized(.scope)])
        #expect(burst.window == .minutes(10))
        #expect(burst.suppress == .hours(1))
        #expect(burst.lateness == .minutes(15))
        #expect(burst.line == 2)
        #expect(burst.tests == [RuleTest(events: "../sample-logs/cloudtrail/denied-burst.json",
                                         expect: [["count": "5", "group.principal": "arn:aws:iam::111122223333:role/app"]], line: 16)])
        let distinct = rules[1].detector as? DistinctDetector
        #expect(distinct?.field == .normalized(.objectName) && distinct?.threshold == 20)
        #expect(rules[1].title == "mass-secret-reads", "the id stands in for a missing title")
        #expect(rules[1].severity == .medium)
        let spike = rules[2].detector as? SpikeDetector
        #expect(spike?.baseline == .hours(24) && spike?.factor == 4 && spike?.minimumCount == 10)
        let firstSeen = rules[3].detector as? FirstSeenDetector
        #expect(firstSeen?.combination == [.normalized(.principal), .normalized(.resource)] && firstSeen?.learn == .days(7))
        #expect(rules[4].detector is CrossNamespaceDetector && rules[4].type == "cross_namespace")
        #expect(rules[5].detector is AbsenceDetector && rules[5].conditions.isEmpty)
        #expect(rules[6].readsRaw && !burst.readsRaw)
    }

    @Test("where counts an event only if every condition holds; unless takes out those meeting all of its own")
    func whereAndUnless() throws {
        let rule = try RuleFile.parse(example, file: "x.yaml")[0]
        var event = Event(key: "k", source: .awsKMS, time: Timestamp(seconds: 0), operation: "Decrypt", eventClass: .crypto, outcome: .denied)
        event.principal = "arn:aws:iam::111122223333:role/app"
        #expect(rule.counts(event))
        event.operation = "Authentication"
        #expect(!rule.counts(event))
        event.operation = "Decrypt"
        event.principal = "arn:aws:iam::123456789012:role/scanner-nightly"
        #expect(!rule.counts(event), "the scanner is allowed")
        event.principal = nil
        event.outcome = .success
        #expect(!rule.counts(event))
    }

    @Test("raw.<path> conditions read the record when one is given, and see nothing without it")
    func rawConditions() throws {
        let rule = try RuleFile.parse(example, file: "x.yaml")[6]
        let event = Event(key: "k", source: .awsKMS, time: Timestamp(seconds: 0), operation: "ScheduleKeyDeletion",
                          eventClass: .destroy, outcome: .success)
        var service = Array(#"{"eventType":"AwsServiceEvent"}"#.utf8)
        var call = Array(#"{"eventType":"AwsApiCall"}"#.utf8)
        let parser = JSONParser()
        #expect(try service.withUnsafeMutableBytes { bytes in try parser.parse(UnsafeRawBufferPointer(bytes)) { !rule.counts(event, raw: $0.root) } })
        #expect(try call.withUnsafeMutableBytes { bytes in try parser.parse(UnsafeRawBufferPointer(bytes)) { rule.counts(event, raw: $0.root) } })
        #expect(rule.counts(event), "without the record the field is absent, and `not` holds")
    }

    func error(_ text: String) -> String {
        do {
            _ = try RuleFile.parse(text, file: "rules/bad.yaml")
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test("mistakes are reported with file, line and key", arguments: [
        ("rules:\n  - id: a\n    type: threshold\n    where: {outcome: denied}\n    window: 10m\n",
         "rules/bad.yaml:2: rules[0]: missing 'threshold'"),
        ("rules:\n  - id: a\n    type: thresold\n",
         "rules/bad.yaml:3: rules[0].type: unknown type 'thresold' (expected one of: absence, change, cross_namespace, distinct, first_seen, match, spike, threshold)"),
        ("rules:\n  - id: a\n    type: match\n    where:\n      operation|startwith: Key\n",
         "rules/bad.yaml:5: rules[0].where.operation|startwith: unknown modifier 'startwith': use not, contains, startswith, endswith, re, cidr, exists, gt, gte, lt, lte or all"),
        ("rules:\n  - id: a\n    type: match\n    where: {principle: x}\n",
         "rules/bad.yaml:4: rules[0].where.principle: unknown field 'principle'"),
        ("rules:\n  - id: a\n    type: threshold\n    where: {outcome: denied}\n    threshold: 5\n",
         "rules/bad.yaml:2: rules[0]: missing 'window' (a threshold rule counts over a window of event time)"),
        ("rules:\n  - id: a\n    type: threshold\n    where: {outcome: denied}\n    threshold: 5\n    window: ten minutes\n",
         "rules/bad.yaml:6: rules[0].window: expected a duration such as 90s, 10m, 1h or 7d"),
        ("rules:\n  - id: a\n    type: threshold\n    where: {outcome: denied}\n    threshold: 0\n    window: 1m\n",
         "rules/bad.yaml:5: rules[0].threshold: expected a whole number of at least 1"),
        ("rules:\n  - id: a\n    type: match\n    where: {outcome: denied}\n    treshold: 3\n",
         "rules/bad.yaml:5: rules[0].treshold: unknown key"),
        ("rules:\n  - id: a\n    type: match\n    where: {outcome: denied}\n  - id: a\n    type: match\n    where: {outcome: failed}\n",
         "rules/bad.yaml:5: rules[1].id: 'a' is already the id of the rule at line 2"),
        ("rules:\n  - id: a\n    type: match\n    severity: urgent\n    where: {outcome: denied}\n",
         "rules/bad.yaml:4: rules[0].severity: unknown severity 'urgent'"),
        ("rules:\n  - id: a\n    type: spike\n    where: {outcome: denied}\n    window: 1h\n    baseline: 30m\n",
         "rules/bad.yaml:6: rules[0].baseline: must cover at least one window"),
        ("rules:\n  - id: a\n    type: match\n", "rules/bad.yaml:2: rules[0]: missing 'where'"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n",
         "rules/bad.yaml:2: rules[0]: missing 'watch' (the values to compare"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: [raw.properties]\n",
         "rules/bad.yaml:5: rules[0].watch: expected a mapping (key: value)"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {}\n",
         "rules/bad.yaml:5: rules[0].watch: expected at least one name: field"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch:\n      network: principle\n",
         "rules/bad.yaml:6: rules[0].watch.network: unknown field 'principle'"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {network: raw.x}\n    changes:\n      netwrok: any\n",
         "rules/bad.yaml:7: rules[0].changes.netwrok: not a name 'watch' gives (expected one of: network)"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {days: raw.x}\n    changes:\n      days: shrinks\n",
         "rules/bad.yaml:7: rules[0].changes.days: unknown change 'shrinks' (expected any, decreases, increases, added, removed, or {from: …, to: …})"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {days: raw.x}\n    unless_changes:\n      days: {form: 90}\n",
         "rules/bad.yaml:7: rules[0].unless_changes.days.form: unknown key (expected one of: from, to)"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {days: raw.x}\n    changes:\n      days: {}\n",
         "rules/bad.yaml:7: rules[0].changes.days: expected any, decreases"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {days: raw.x}\n    changes: {}\n",
         "rules/bad.yaml:6: rules[0].changes: expected at least one watched name"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {days: raw.x}\n    learn_only: {operation|bogus: VaultGet}\n",
         "rules/bad.yaml:6: rules[0].learn_only.operation|bogus: unknown modifier 'bogus'"),
        ("rules:\n  - id: [a\n", "rules/bad.yaml:3: YAML syntax error"),
    ])
    func mistakes(text: String, expected: String) {
        #expect(error(text).hasPrefix(expected), "got: \(error(text))")
    }
}
