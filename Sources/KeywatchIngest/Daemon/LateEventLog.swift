import KeywatchCore
import Logging

/// Says in the log when a rule leaves events out for coming too late for their window, through a
/// ``ThrottledLog``: at most once a minute per rule, with how many since its last line and the
/// last one's group and lateness (/metrics counts every one).
struct LateEventLog {
    private let log: ThrottledLog
    /// Per rule, the late count already handed to the log.
    private var counted: [String: Int] = [:]

    /// - Parameter report: detection's report at start: what it counted before (its state is
    ///   restored) was logged by the process that met it.
    init(logger: Logger, startingFrom report: DetectionReport?) {
        log = ThrottledLog(logger: logger)
        for rule in report?.rules ?? [] { counted[rule.rule] = rule.late }
    }

    /// Hands the log the events each rule of `report` has left out since the last report.
    mutating func note(_ report: DetectionReport) {
        for rule in report.rules {
            let new = rule.late - (counted[rule.rule] ?? 0)
            counted[rule.rule] = rule.late
            guard new > 0 else { continue }
            var metadata: Logger.Metadata = ["rule": "\(rule.rule)", "total": "\(rule.late)"]
            if let late = rule.lastLate {
                metadata["group"] = "\(late.group)"
                metadata["event_time"] = "\(late.time.rfc3339)"
                metadata["behind"] = "\(late.behind)"
            }
            log.warning("late:" + rule.rule, "events came later than the rule's lateness behind their group and were not counted",
                        metadata: metadata, happened: new)
        }
    }
}
