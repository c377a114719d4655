import ArgumentParser
import KeywatchCore
import KeywatchIngest

/// How `ingest` and `backtest` print alerts: JSON lines (docs/alerts.md) or one line each for people.
enum AlertFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum AlertLines {
    /// `2026-11-20T09:14:00Z HIGH kms-denied-burst kw-… 5 events for principal=… within 10m` —
    /// escaped, since group values and summaries come from log fields. A resolution is the same
    /// line with `RESOLVED at <time>:` before the summary.
    static func text(_ alert: Alert) -> String {
        var line = ""
        line.reserveCapacity(64 + alert.rule.utf8.count + alert.id.utf8.count + alert.summary.utf8.count)
        line += alert.firstSeen.rfc3339.prefix(19)
        line += "Z "
        line += alert.severity.rawValue.uppercased()
        let summary = alert.resolvedAt.map { "RESOLVED at \($0.rfc3339): \(alert.summary)" } ?? alert.summary
        for part in [alert.rule, alert.id, summary] {
            line += " "
            line += part
        }
        return TerminalText.escape(line)
    }

    static func print(_ alerts: [Alert], format: AlertFormat) {
        for alert in alerts { Standard.out(format == .json ? alert.json : text(alert)) }
    }
}

enum DetectionLines {
    /// `3 alerts raised by 12 rules` and what had to be left out: late events, the group cap.
    static func describe(_ detection: DetectionStage) -> String {
        let report = detection.engine.report
        // `raised` holds resolutions too: alerts whose status says so.
        let resolved = detection.raised.count(where: { $0.status == .resolved })
        let raised = detection.raised.count - resolved
        var text = "detection: \(Numbers.grouped(raised)) alert\(raised == 1 ? "" : "s") raised"
        if resolved > 0 { text += " and \(Numbers.grouped(resolved)) resolved" }
        text += " by \(report.rules.count) rule\(report.rules.count == 1 ? "" : "s")"
        if detection.replayedBatches > 0 { text += "; \(detection.replayedBatches) batch(es) stored before a crash replayed" }
        let late = report.rules.reduce(0) { $0 + $1.late }
        if late > 0 {
            let rules = report.rules.filter { $0.late > 0 }.map { "\($0.rule) \(Numbers.grouped($0.late))" }.joined(separator: ", ")
            text += "; \(Numbers.grouped(late)) event(s) arrived past their rule's lateness and were not counted (\(rules))"
        }
        for rule in report.rules where rule.refused > 0 {
            text += "\nwarning: rule \(rule.rule) reached the cap of \(Numbers.grouped(report.maximumGroups)) live groups"
            text += " (or of remembered combinations): \(Numbers.grouped(rule.refused)) event(s) not counted"
        }
        return text
    }
}
