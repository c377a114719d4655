/// `type: match` — every event the conditions count is a finding.
struct MatchDetector: EventDetector {
    static let type = "match"
    static let keys: [String] = []

    init(reading rule: RuleSettings) {}

    func finding(for event: EventView, of rule: Rule, memory: inout RuleMemory) -> Finding? {
        Finding(summary: Self.summary(of: event), details: [])
    }

    /// `Decrypt (denied) by app-role on arn:aws:kms:…`.
    static func summary(of event: EventView) -> String {
        let who = event.text(of: .principalName).nonEmpty ?? event.text(of: .principal).nonEmpty ?? "an unknown caller"
        let operation = event.text(of: .operation)
        let outcome = event.outcome == .success ? "" : " (\(event.outcome.rawValue))"
        if let target = event.text(of: .resource).nonEmpty {
            return "\(operation)\(outcome) by \(who) on \(target)"
        }
        return "\(operation)\(outcome) by \(who)"
    }
}
