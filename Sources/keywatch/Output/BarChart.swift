import KeywatchCore

/// A titled section of counts, one row each with a bar scaled to the section's largest count,
/// the count and its share: `keywatch stats` as a person reads it. Bars are Unicode block
/// characters and nothing else (no colour, no cursor movement), so the section reads the same on
/// a terminal, through a pager or in a file.
struct BarChart {
    struct Row {
        var label: String
        var count: Int
    }

    let title: String
    var rows: [Row] = []
    /// What the shares are of: the events the section counts among.
    let base: Int

    /// Cells of the longest bar, drawn in eighths of a cell.
    static let barWidth = 30
    /// Labels longer than this are cut with an ellipsis.
    static let labelWidth = 50
    private static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]

    init(title: String, base: Int) {
        self.title = title
        self.base = base
    }

    mutating func append(_ label: String, _ count: Int) {
        rows.append(Row(label: label, count: count))
    }

    /// The title, then a line per row: label, bar, count, share. Every label is escaped for the
    /// terminal first (log fields are attacker-controlled).
    func render() -> [String] {
        let labels = rows.map { Self.cut(TerminalText.escape($0.label)) }
        let labelWidth = labels.map(\.count).max() ?? 0
        let largest = rows.map(\.count).max() ?? 0
        let countWidth = rows.map { Numbers.grouped($0.count).count }.max() ?? 0
        var lines = [title]
        for (row, label) in zip(rows, labels) {
            let count = Numbers.grouped(row.count)
            lines.append("  " + label + String(repeating: " ", count: labelWidth - label.count) + "  "
                + Self.bar(row.count, of: largest) + "  "
                + String(repeating: " ", count: countWidth - count.count) + count + "  " + share(row.count))
        }
        return lines
    }

    /// `count`'s bar against `largest`, padded to `width` cells so the numbers after it line up; a
    /// count above zero always shows at least an eighth.
    static func bar(_ count: Int, of largest: Int, width: Int = barWidth) -> String {
        guard largest > 0, count > 0 else { return String(repeating: " ", count: width) }
        let eighthsWide = max(1, Int((Double(count) / Double(largest) * Double(width * 8)).rounded()))
        var bar = String(repeating: "█", count: eighthsWide / 8)
        if eighthsWide % 8 > 0 { bar.append(eighths[eighthsWide % 8 - 1]) }
        return bar + String(repeating: " ", count: width - bar.count)
    }

    /// The share of ``base``, with one decimal: `59.5%`, right-aligned in six cells.
    private func share(_ count: Int) -> String {
        let text = base > 0 ? Numbers.oneDecimal(Double(count) * 100 / Double(base)) + "%" : "-"
        return String(repeating: " ", count: max(0, 6 - text.count)) + text
    }

    private static func cut(_ label: String) -> String {
        label.count > labelWidth ? String(label.prefix(labelWidth - 1)) + "…" : label
    }
}
