import KeywatchCore
/// A text table for people: columns padded to their widest cell (capped), every cell escaped
/// for the terminal first.
struct Table {
    let headers: [String]
    var rows: [[String]] = []
    /// Cells longer than this are cut with an ellipsis.
    var maximumWidth = 60

    init(headers: [String]) {
        self.headers = headers
    }

    mutating func append(_ cells: [String?]) {
        rows.append(cells.map { TerminalText.escape($0 ?? "-") })
    }

    func render() -> [String] {
        // Counting characters walks grapheme clusters; most cells are ASCII, where bytes are characters.
        func width(_ cell: String) -> Int {
            cell.utf8.allSatisfy { $0 < 0x80 } ? cell.utf8.count : cell.count
        }
        let headerWidths = headers.map(width)
        let rowWidths = rows.map { $0.map(width) }
        var widths = headerWidths
        for cellWidths in rowWidths {
            for (index, count) in cellWidths.enumerated() { widths[index] = min(maximumWidth, max(widths[index], count)) }
        }
        func line(_ cells: [String], _ counts: [Int]) -> String {
            var line = ""
            for (index, cell) in cells.enumerated() {
                if index > 0 { line += "  " }
                let count = counts[index]
                if count > widths[index] {
                    line += cell.prefix(widths[index] - 1)
                    line += "…"
                } else {
                    line += cell
                    // Foundation's padding(toLength:) bridges through NSString: a tenth of a query's time.
                    if index < cells.count - 1 { line += String(repeating: " ", count: widths[index] - count) }
                }
            }
            return line
        }
        return [line(headers, headerWidths)] + zip(rows, rowWidths).map(line)
    }
}
