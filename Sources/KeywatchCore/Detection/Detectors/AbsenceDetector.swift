/// `type: absence` — a group seen before sends nothing for the window (a log source gone quiet).
struct AbsenceDetector: SilenceDetector {
    static let type = "absence"
    static let keys: [String] = []
    /// Any event can be the one whose silence matters: `where` may narrow them, or not.
    static let needsConditions = false

    init(reading rule: RuleSettings) {}

    func finding(silentSince since: Timestamp, values: [String], rule: Rule) -> Finding {
        Finding(summary: "no events for \(rule.describeGroup(values)) since \(since.rfc3339) (over \(rule.windowText))",
                details: [AlertDetail("last_event", .text(since.rfc3339)), AlertDetail("silent_for", .text(rule.windowText))])
    }
}
