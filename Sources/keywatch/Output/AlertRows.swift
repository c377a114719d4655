import KeywatchCore
import KeywatchStore

/// Stored alerts as rows: the columns of `alerts list`'s table and of its CSV.
enum AlertRows {
    /// CSV's columns: every stored fact of an alert, times in RFC 3339.
    static let csvHeader = ["id", "rule", "severity", "status", "first_seen", "last_seen", "raised", "count", "summary", "key"]

    static func csv(_ alert: StoredAlert) -> String {
        CSV.line([alert.id, alert.rule, alert.severity, AlertsCommand.status(of: alert), alert.firstSeen.rfc3339,
                  alert.lastSeen.rfc3339, alert.raised.rfc3339, String(alert.count), AlertsCommand.summary(of: alert), alert.key])
    }

    /// The table of `alerts list`, severity coloured on a terminal (``Terminal/colours``).
    static func table(_ alerts: [StoredAlert], deliveries: [String: [Delivery]]) -> Table {
        var table = Table(headers: ["ID", "FIRST SEEN", "SEVERITY", "RULE", "STATUS", "COUNT", "DELIVERY", "SUMMARY"])
        table.keepWhole = [0, 1, 2, 4, 5]
        if Terminal.colours { table.colours[2] = SeverityColour.code(for:) }
        for alert in alerts {
            let delivery = (deliveries[alert.id] ?? []).map(AlertsCommand.describe).joined(separator: " ")
            table.append([alert.id, alert.firstSeen.rfc3339, alert.severity, alert.rule, AlertsCommand.status(of: alert),
                          String(alert.count), delivery.isEmpty ? "-" : delivery, AlertsCommand.summary(of: alert)])
        }
        return table
    }
}
