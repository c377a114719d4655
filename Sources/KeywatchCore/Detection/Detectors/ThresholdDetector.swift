/// `type: threshold` — at least `threshold` events of a group in a window.
struct ThresholdDetector: WindowDetector {
    static let type = "threshold"
    static let keys = ["threshold"]

    let threshold: Int

    init(reading rule: RuleSettings) throws(ConfigurationError) {
        guard let threshold = try rule.count("threshold") else { throw rule.missing("threshold") }
        self.threshold = threshold
    }

    var evidenceFrom: Int { max(0, threshold - Alert.evidenceLimit) }

    func finding(in window: WindowTally, of group: GroupState, event: EventView, rule: Rule) -> Finding? {
        guard window.count >= threshold else { return nil }
        return Finding(summary: "\(window.count) events for \(rule.describeGroup(of: event)) within \(rule.windowText)",
                       details: [AlertDetail("threshold", .integer(threshold))])
    }
}
