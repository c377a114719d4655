/// `type: spike` — a group's count in a window is at least `factor` times the mean of its windows
/// over the `baseline` before, and at least `min_count`.
///
/// The mean is over the part of `baseline` the group has been seen in — its whole windows since its
/// first event — once that part is `min_history` long: a caller seen for two hours is judged on
/// those two hours, not left unjudged until it has a whole day.
struct SpikeDetector: WindowDetector {
    static let type = "spike"
    static let keys = ["baseline", "factor", "min_count", "min_history"]

    let baseline: EventDuration
    let factor: Double
    let minimumCount: Int
    /// How much of `baseline` a group must have been seen for before its windows are judged.
    let minimumHistory: EventDuration

    static let defaultMinimumHistory = EventDuration.hours(1)

    init(reading rule: RuleSettings) throws(ConfigurationError) {
        // Each key read on its own, so that every one's problem is reported.
        let baseline = rule.noting { () throws(ConfigurationError) in
            guard let baseline = try rule.duration("baseline") else {
                throw rule.missing("baseline", "how much history the mean covers, e.g. 24h")
            }
            if let window = rule.window, baseline < window {
                throw rule.problem("baseline", "must cover at least one window (\(window))")
            }
            return baseline
        }
        let factor = rule.noting { () throws(ConfigurationError) in
            let factor = try rule.number("factor") ?? 3
            guard factor > 1 else { throw rule.problem("factor", "must be more than 1") }
            return factor
        }
        let minimumCount = rule.noting { () throws(ConfigurationError) in try rule.count("min_count") ?? 10 }
        let window = rule.window ?? EventDuration(microseconds: 0)
        let minimumHistory = rule.noting { () throws(ConfigurationError) -> EventDuration? in
            guard let minimumHistory = try rule.duration("min_history") else { return nil }
            guard minimumHistory >= window else { throw rule.problem("min_history", "must cover at least one window (\(window))") }
            if let baseline, minimumHistory > baseline {
                throw rule.problem("min_history", "must not be longer than baseline (\(baseline))")
            }
            return minimumHistory
        }
        guard let baseline, let factor, let minimumCount, let minimumHistory else { throw rule.noted }
        self.baseline = baseline
        self.factor = factor
        self.minimumCount = minimumCount
        if let minimumHistory {
            self.minimumHistory = minimumHistory
        } else {
            // An hour, within the baseline, and at least one window.
            self.minimumHistory = max(window, min(Self.defaultMinimumHistory, baseline))
        }
    }

    var evidenceFrom: Int { max(0, minimumCount - Alert.evidenceLimit) }
    var history: EventDuration? { baseline }

    func finding(in window: WindowTally, of group: GroupState, event: EventView, rule: Rule) -> Finding? {
        guard window.count >= minimumCount, let length = rule.window?.microseconds else { return nil }
        let spans = max(1, baseline.microseconds / length)
        // The observed part of the baseline: whole windows since the group's first event.
        let firstWhole = floorDivide(group.since.microseconds + length - 1, length)
        let start = max(window.bucket - spans, firstWhole)
        let observed = window.bucket - start
        guard observed > 0, observed * length >= minimumHistory.microseconds else { return nil }
        let mean = Double(group.count(inBuckets: start..<window.bucket)) / Double(observed)
        guard Double(window.count) >= factor * mean else { return nil }
        let ratio = mean > 0 ? "\(Int((Double(window.count) / mean).rounded()))× the baseline of \(Int(mean.rounded()))"
            : "no activity in the baseline"
        return Finding(
            summary: "\(window.count) events for \(rule.describeGroup(of: event)) in \(rule.windowText): \(ratio)",
            details: [AlertDetail("baseline_mean", .number((mean * 100).rounded() / 100)), AlertDetail("factor", .number(factor)),
                      AlertDetail("min_count", .integer(minimumCount)), AlertDetail("baseline", .text(baseline.description)),
                      AlertDetail("baseline_observed", .text(EventDuration(microseconds: observed * length).description))])
    }
}
