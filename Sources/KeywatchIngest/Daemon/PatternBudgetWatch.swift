import KeywatchCore
import Logging

/// Reports the matches of rules' regular expressions given up on (``BoundedPattern``): a warning
/// in the log when a rule's count grows, naming the rule, the pattern and the value's beginning,
/// and the counts in `/metrics`.
///
/// Looked at by the writer between commits, so a hostile value that keeps arriving makes one
/// line per look, not one per event.
final class PatternBudgetWatch {
    private let patterns: [(rule: String, pattern: BoundedPattern)]
    private var reported: [ObjectIdentifier: Int] = [:]

    init(rules: [Rule]) {
        patterns = rules.flatMap { rule in rule.patterns.map { (rule.id, $0) } }
    }

    /// Logs what grew since the last look and hands every rule's total to `metrics`.
    func look(metrics: DaemonMetrics, logger: Logger) {
        guard !patterns.isEmpty else { return }
        var totals: [String: Int] = [:]
        for (rule, pattern) in patterns {
            let abandoned = pattern.abandonedMatches
            totals[rule, default: 0] += abandoned.count
            let before = reported[ObjectIdentifier(pattern)] ?? 0
            guard abandoned.count > before else { continue }
            reported[ObjectIdentifier(pattern)] = abandoned.count
            logger.warning("a rule's regular expression took too long on a value and was counted as not matching", metadata: [
                "rule": "\(rule)", "pattern": "\(pattern.source)", "value": "\(TerminalText.escape(abandoned.lastValue))",
                "abandoned": "\(abandoned.count - before)",
            ])
        }
        metrics.setAbandonedPatternMatches(totals)
    }
}
