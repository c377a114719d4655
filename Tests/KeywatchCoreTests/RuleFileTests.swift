import Testing
@testable import KeywatchCore

/// Rule files (docs/rules.md): every type with its own keys, defaults, and errors naming file, line and key.
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

    @Test("docs/rules.md's example and one rule of every type, with their own keys and the defaults")
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
         "rules/bad.yaml:2: rule a: missing 'threshold'"),
        ("rules:\n  - id: a\n    type: thresold\n",
         "rules/bad.yaml:3: rule a: type: unknown type 'thresold' (expected one of: absence, change, cross_namespace, distinct, first_seen, match, outside_profile, spike, threshold)"),
        ("rules:\n  - id: a\n    type: match\n    where:\n      operation|startwith: Key\n",
         "rules/bad.yaml:5: rule a: where.operation|startwith: unknown modifier 'startwith': use not, contains, startswith, endswith, re, cidr, exists, gt, gte, lt, lte or all"),
        ("rules:\n  - id: a\n    type: match\n    where: {principle: x}\n",
         "rules/bad.yaml:4: rule a: where.principle: unknown field 'principle'"),
        ("rules:\n  - id: a\n    type: threshold\n    where: {outcome: denied}\n    threshold: 5\n",
         "rules/bad.yaml:2: rule a: missing 'window' (a threshold rule counts over a window of event time)"),
        ("rules:\n  - id: a\n    type: threshold\n    where: {outcome: denied}\n    threshold: 5\n    window: ten minutes\n",
         "rules/bad.yaml:6: rule a: window: expected a duration such as 90s, 10m, 1h or 7d"),
        ("rules:\n  - id: a\n    type: threshold\n    where: {outcome: denied}\n    threshold: 0\n    window: 1m\n",
         "rules/bad.yaml:5: rule a: threshold: expected a whole number of at least 1"),
        ("rules:\n  - id: a\n    type: match\n    where: {outcome: denied}\n    treshold: 3\n",
         "rules/bad.yaml:5: rule a: treshold: unknown key"),
        ("rules:\n  - id: a\n    type: match\n    where: {outcome: denied}\n  - id: a\n    type: match\n    where: {outcome: failed}\n",
         "rules/bad.yaml:5: rule a: id: 'a' is already the id of the rule at line 2"),
        ("rules:\n  - id: a\n    type: match\n    severity: urgent\n    where: {outcome: denied}\n",
         "rules/bad.yaml:4: rule a: severity: unknown severity 'urgent'"),
        ("rules:\n  - id: a\n    type: spike\n    where: {outcome: denied}\n    window: 1h\n    baseline: 30m\n",
         "rules/bad.yaml:6: rule a: baseline: must cover at least one window"),
        ("rules:\n  - id: a\n    type: match\n", "rules/bad.yaml:2: rule a: missing 'where'"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n",
         "rules/bad.yaml:2: rule a: missing 'watch' (the values to compare"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: [raw.properties]\n",
         "rules/bad.yaml:5: rule a: watch: expected a mapping (key: value)"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {}\n",
         "rules/bad.yaml:5: rule a: watch: expected at least one name: field"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch:\n      network: principle\n",
         "rules/bad.yaml:6: rule a: watch.network: unknown field 'principle'"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {network: raw.x}\n    changes:\n      netwrok: any\n",
         "rules/bad.yaml:7: rule a: changes.netwrok: not a name 'watch' gives (expected one of: network)"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {days: raw.x}\n    changes:\n      days: shrinks\n",
         "rules/bad.yaml:7: rule a: changes.days: unknown change 'shrinks' (expected any, decreases, increases, added, removed, or {from: …, to: …})"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {days: raw.x}\n    unless_changes:\n      days: {form: 90}\n",
         "rules/bad.yaml:7: rule a: unless_changes.days.form: unknown key (expected one of: from, to)"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {days: raw.x}\n    changes:\n      days: {}\n",
         "rules/bad.yaml:7: rule a: changes.days: expected any, decreases"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {days: raw.x}\n    changes: {}\n",
         "rules/bad.yaml:6: rule a: changes: expected at least one watched name"),
        ("rules:\n  - id: a\n    type: change\n    where: {operation: VaultPatch}\n    watch: {days: raw.x}\n    learn_only: {operation|bogus: VaultGet}\n",
         "rules/bad.yaml:6: rule a: learn_only.operation|bogus: unknown modifier 'bogus'"),
        ("rules:\n  - id: [a\n", "rules/bad.yaml:3: YAML syntax error"),
    ])
    func mistakes(text: String, expected: String) {
        #expect(error(text).hasPrefix(expected), "got: \(error(text))")
    }

    /// The problems of a match rule `a` with `conditions` as its where, one a line.
    func problems(where conditions: String) -> [String] {
        do {
            _ = try RuleFile.parse("rules:\n  - id: a\n    type: match\n    where:\n" + conditions, file: "rules/bad.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test("a value outside its field's closed set is an error listing the set, at the value's line", arguments: [
        ("      outcome: denyed\n",
         "rules/bad.yaml:5: rule a: where.outcome: unknown outcome 'denyed' (expected one of: success, denied, failed, challenge)"),
        ("      class: cryptography\n",
         "rules/bad.yaml:5: rule a: where.class: unknown class 'cryptography' (expected one of: crypto, read, list, write, destroy, permission, config, auth, service, other)"),
        ("      source: aws.kmss\n",
         "rules/bad.yaml:5: rule a: where.source: unknown source 'aws.kmss' (expected one of: azure.keyvault, aws.kms, aws.sts, aws.eks-auth)"),
        ("      reason|not: rbca\n", "rules/bad.yaml:5: rule a: where.reason|not: unknown reason 'rbca' (expected one of: rbac, access-policy"),
        ("      principal_type: human\n", "rules/bad.yaml:5: rule a: where.principal_type: unknown principal_type 'human'"),
        ("      resource_type: secrets\n", "rules/bad.yaml:5: rule a: where.resource_type: unknown resource_type 'secrets'"),
        ("      class:\n        - crypto\n        - cryptography\n", "rules/bad.yaml:7: rule a: where.class: unknown class 'cryptography'"),
        ("      outcome|contains: deny\n", "rules/bad.yaml:5: rule a: where.outcome|contains: contains 'deny' matches no outcome (expected one of"),
        ("      class|re: \"^crypt$\"\n", "rules/bad.yaml:5: rule a: where.class|re: re '^crypt$' matches no class"),
        ("      outcome|gt: 3\n", "rules/bad.yaml:5: rule a: where.outcome|gt: gt never holds for outcome"),
        ("      status: forbidden\n", "rules/bad.yaml:5: rule a: where.status: 'forbidden' is not a number: status is the HTTP status code"),
        ("      raw.requestParameters.policy|public: yes\n",
         "rules/bad.yaml:5: rule a: where.raw.requestParameters.policy|public: unknown raw.requestParameters.policy|public 'yes' (expected one of: true, false)"),
    ])
    func valuesOutsideTheirDomain(conditions: String, expected: String) {
        let found = problems(where: conditions)
        #expect(found.count == 1 && found.first?.hasPrefix(expected) == true, "got: \(found)")
    }

    @Test("values that can match their field's set are accepted: any case, patterns matching one, exists, open fields", arguments: [
        "      outcome: Denied\n", "      outcome|startswith: den\n", "      class|endswith: ypto\n", "      class|contains: [rit, ead]\n",
        "      class|re: \"^(crypto|read)$\"\n", "      reason|exists: false\n", "      source|not: [aws.kms, aws.sts]\n",
        "      principal: anything-at-all\n", "      status: [403, 404]\n", "      raw.outcome: denyed\n", "      ip|network: 10.0.0.0/24\n",
    ])
    func valuesInsideTheirDomain(conditions: String) {
        #expect(problems(where: conditions).isEmpty, "\(problems(where: conditions))")
    }

    @Test("every problem of every rule is reported, in the order of the file, each naming its rule by id")
    func everyProblemOfEveryRule() {
        let text = """
            rules:
              - id: burst
                type: threshold
                severity: urgent
                where:
                  outcome: denyed
                  class: cryptography
                unless: {principal_type: human}
                window: ten minutes
                treshold: 5
              - id: fine
                type: match
                where: {outcome: denied}
              - type: match
                where: {source: aws}
              - id: changed
                type: change
                where: {operation: VaultPatch}
                watch: {network: raw.x}
                learn_only: {outcome: sucess}
            """
        do {
            _ = try RuleFile.parse(text, file: "rules/r.yaml")
            Issue.record("accepted")
        } catch {
            let found = error.problems.map(\.description)
            let expected = [
                "rules/r.yaml:2: rule burst: missing 'threshold'",
                "rules/r.yaml:4: rule burst: severity: unknown severity 'urgent'",
                "rules/r.yaml:6: rule burst: where.outcome: unknown outcome 'denyed'",
                "rules/r.yaml:7: rule burst: where.class: unknown class 'cryptography'",
                "rules/r.yaml:8: rule burst: unless.principal_type: unknown principal_type 'human'",
                "rules/r.yaml:9: rule burst: window: expected a duration",
                "rules/r.yaml:10: rule burst: treshold: unknown key",
                "rules/r.yaml:14: rules[2]: missing 'id'",
                "rules/r.yaml:15: rules[2].where.source: unknown source 'aws'",
                "rules/r.yaml:20: rule changed: learn_only.outcome: unknown outcome 'sucess'",
            ]
            #expect(found.count == expected.count, "\(found.joined(separator: "\n"))")
            for (line, prefix) in zip(found, expected) { #expect(line.hasPrefix(prefix), "\(line)") }
        }
    }

    @Test("a type's own keys each report their problem, not only the first")
    func everyOwnKeyProblem() {
        let text = """
            rules:
              - id: spiky
                type: spike
                where: {class: crypto}
                window: 1h
                baseline: 30m
                factor: 1
                min_count: 0
              - id: counting
                type: distinct
                where: {class: read}
                window: 5m
            """
        do {
            _ = try RuleFile.parse(text, file: "r.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.description) == [
                "r.yaml:6: rule spiky: baseline: must cover at least one window (1h)",
                "r.yaml:7: rule spiky: factor: must be more than 1",
                "r.yaml:8: rule spiky: min_count: expected a whole number of at least 1",
                "r.yaml:9: rule counting: missing 'field' (the field whose distinct values count)",
                "r.yaml:9: rule counting: missing 'threshold'",
            ])
        }
    }
}
