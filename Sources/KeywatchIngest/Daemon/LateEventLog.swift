import Foundation
import KeywatchCore
import Logging

/// Says in the log when a rule leaves events out for coming too late for their window: at most
/// once a minute per rule, with how many since its last line and the last one's group and
/// lateness (/metrics counts every one).
struct LateEventLog {
    private let logger: Logger
    private let interval: TimeInterval
    /// Per rule: the late count last logged (or first seen), and when.
    private var logged: [String: (count: Int, at: Date)] = [:]

    /// - Parameter report: detection's report at start: what it counted before (its state is
    ///   restored) was logged by the process that met it.
    init(logger: Logger, startingFrom report: DetectionReport?, interval: TimeInterval = 60) {
        self.logger = logger
        self.interval = interval
        for rule in report?.rules ?? [] { logged[rule.rule] = (rule.late, .distantPast) }
    }

    /// Logs the rules of `report` whose late count grew since their last line, if a minute has passed.
    mutating func note(_ report: DetectionReport, now: Date = Date()) {
        for rule in report.rules {
            let last = logged[rule.rule] ?? (0, .distantPast)
            guard rule.late > last.count, now.timeIntervalSince(last.at) >= interval else { continue }
            logged[rule.rule] = (rule.late, now)
            var metadata: Logger.Metadata = ["rule": "\(rule.rule)", "count": "\(rule.late - last.count)", "total": "\(rule.late)"]
            if let late = rule.lastLate {
                metadata["group"] = "\(late.group)"
                metadata["event_time"] = "\(late.time.rfc3339)"
                metadata["behind"] = "\(late.behind)"
            }
            logger.warning("events came later than the rule's lateness behind their group and were not counted", metadata: metadata)
        }
    }
}
