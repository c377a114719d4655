/// `type: spike` — a group's count in a window is at least `factor` times the mean of its windows
/// over the `baseline` before, and at least `min_count`.
struct SpikeDetector: WindowDetector {
    static let type = "spike"
    static let keys = ["baseline", "factor", "min_count"]

    let baseline: EventDuration
    let factor: Double
    let minimumCount: Int

    init(reading rule: RuleSettings) throws(ConfigurationError) {
        guard let baseline = try rule.duration("baseline") else {
            throw rule.missing("baseline", "how much history the mean covers, e.g. 24h")
        }
        factor = try rule.number("factor") ?? 3
        guard factor > 1 else { throw rule.problem("factor", "must be more than 1") }
        minimumCount = try rule.count("min_count") ?? 10
        if let window = rule.window, baseline < window {
            throw rule.problem("baseline", "must cover at least one window (\(window))")
        }
        self.baseline = baseline
    }

    var evidenceFrom: Int { max(0, minimumCount - Alert.evidenceLimit) }
    var history: EventDuration? { baseline }

    func finding(in window: WindowTally, of group: GroupState, event: EventView, rule: Rule) -> Finding? {
        guard window.count >= minimumCount, let length = rule.window?.microseconds else { return nil }
        let spans = max(1, baseline.microseconds / length)
        // A baseline needs the group to have been seen a whole span before this window.
        guard group.since.microseconds <= (window.bucket - spans) * length else { return nil }
        let mean = Double(group.count(inBuckets: (window.bucket - spans)..<window.bucket)) / Double(spans)
        guard Double(window.count) >= factor * mean else { return nil }
        let ratio = mean > 0 ? "\(Int((Double(window.count) / mean).rounded()))× the baseline of \(Int(mean.rounded()))"
            : "no activity in the baseline"
        return Finding(
            summary: "\(window.count) events for \(rule.describeGroup(of: event)) in \(rule.windowText): \(ratio)",
            details: [AlertDetail("baseline_mean", .number((mean * 100).rounded() / 100)), AlertDetail("factor", .number(factor)),
                      AlertDetail("min_count", .integer(minimumCount)), AlertDetail("baseline", .text(baseline.description))])
    }
}
