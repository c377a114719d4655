import KeywatchCore

/// A text table for people: columns padded to their widest cell, every cell escaped for the
/// terminal first. Fitted to a width (a terminal's), the widest columns are cut with `…` until
/// the rows fit; without one (piped output) no cell is ever cut.
struct Table {
    let headers: [String]
    var rows: [[String]] = []
    /// Per column, the SGR colour of a cell's text (``SeverityColour``), applied after the cell is
    /// cut and before it is padded, so escapes never count towards widths.
    var colours: [Int: (String) -> String?] = [:]
    /// Columns never cut to fit (times, ids, outcomes): short, and useless in part.
    var keepWhole: Set<Int> = []
    /// The narrowest a column is cut to, however narrow the terminal: a cell cut to less says nothing.
    static let minimumWidth = 4

    init(headers: [String]) {
        self.headers = headers
    }

    mutating func append(_ cells: [String?]) {
        rows.append(cells.map { TerminalText.escape($0 ?? "-") })
    }

    /// Each column's width: its widest cell (header included); then, while the line is wider than
    /// `limit`, the widest column loses a character — so the long free-text columns (resources,
    /// summaries) give way first, and short ones (time, outcome) stay whole.
    func widths(fitting limit: Int?) -> [Int] {
        var widths = headers.map(DisplayWidth.of)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], DisplayWidth.of(cell)) }
        }
        guard let limit else { return widths }
        var total = widths.reduce(0, +) + 2 * max(0, widths.count - 1)
        let cuttable = widths.indices.filter { !keepWhole.contains($0) }
        while total > limit, let widest = cuttable.max(by: { widths[$0] < widths[$1] }), widths[widest] > Self.minimumWidth {
            // Down to the next widest column at once (not below what is needed): a step per character is slow on wide rows.
            let others = cuttable.filter { $0 != widest }.map { widths[$0] }.max() ?? 0
            let cut = max(1, min(total - limit, widths[widest] - max(others, Self.minimumWidth)))
            widths[widest] -= cut
            total -= cut
        }
        return widths
    }

    /// The header and the rows, fitted to `limit` columns when given (a terminal's width).
    func render(fitting limit: Int? = Terminal.width) -> [String] {
        let widths = widths(fitting: limit)
        return [line(headers, widths: widths, colour: false)] + rows.map { line($0, widths: widths) }
    }

    /// One row laid out in `widths`: a longer cell is cut with `…` (unless not `cut`: then it is
    /// shown whole), shorter ones padded (but the last).
    func line(_ cells: [String], widths: [Int], colour: Bool = true, cut: Bool = true) -> String {
        var line = ""
        for (index, cell) in cells.enumerated() {
            if index > 0 { line += "  " }
            let count = DisplayWidth.of(cell)
            let target = index < widths.count ? widths[index] : count
            var shown = cell
            var shownCount = count
            if cut && count > target {
                shown = DisplayWidth.prefix(cell, columns: target - 1) + "…"
                shownCount = DisplayWidth.of(shown)
            }
            if colour, let code = colours[index]?(cell) {
                line += "\u{1B}[\(code)m" + shown + "\u{1B}[0m"
            } else {
                line += shown
            }
            // Foundation's padding(toLength:) bridges through NSString: a tenth of a query's time.
            if index < cells.count - 1, shownCount < target { line += String(repeating: " ", count: target - shownCount) }
        }
        return line
    }
}
