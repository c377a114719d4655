/// `keywatch rules test`: a rule's own test cases — fixture events through the rule alone, on
/// the virtual clock of the events' own times, and the alerts they must raise.
public enum RuleTesting {
    public struct Outcome: Sendable {
        public var rule: Rule
        public var test: RuleTest
        public var alerts: [Alert]
        /// What did not match, one line each; empty when the test passed.
        public var failures: [String]

        public var passed: Bool { failures.isEmpty }
    }

    /// Runs `test` over `events` (the fixture file's bytes, any input shape of docs/inputs.md).
    public static func run(_ test: RuleTest, of rule: Rule, events: [UInt8], identities: IdentityMap) -> Outcome {
        let stream = InputDecoder(input: "file:" + test.events, recordsOffsets: true, decoder: RecordDecoder())
        var batch = EventBatch()
        events.withUnsafeBytes { stream.framer.write($0) }
        stream.drain(into: &batch)
        stream.finish(into: &batch)
        var attribution = WorkloadAttribution(identities: identities)
        attribution.attribute(&batch)

        let engine = DetectionEngine(rules: [rule], identities: identities)
        var ledger = AlertLedger()
        ledger.apply(engine.process(batch))
        let alerts = ledger.alerts
        var failures = batch.rejects.map { "fixture record at \($0.origin) rejected: \($0.reason)" }
        if alerts.count != test.expect.count {
            failures.append("expected \(test.expect.count) alert(s), got \(alerts.count)"
                            + alerts.map { "\n    got: \($0.summary)" }.joined())
        }
        for (position, (expected, alert)) in zip(test.expect, alerts).enumerated() {
            for (field, wanted) in expected.sorted(by: { $0.key < $1.key }) {
                let actual = alert.text(of: field)
                if !matches(actual, wanted) {
                    failures.append("alert \(position + 1): \(field) is \(actual.map { "'\($0)'" } ?? "absent"), expected '\(wanted)'")
                }
            }
        }
        return Outcome(rule: rule, test: test, alerts: alerts, failures: failures)
    }

    /// Equal as text, or as numbers (`10` and `10.0`).
    private static func matches(_ actual: String?, _ wanted: String) -> Bool {
        guard let actual else { return false }
        if actual == wanted { return true }
        if let a = Double(actual), let b = Double(wanted) { return a == b }
        return false
    }
}
