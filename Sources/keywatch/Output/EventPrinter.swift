import KeywatchCore

/// Prints `query`'s events in one of its formats: JSON lines (whole events), CSV or a table of
/// the chosen columns. A table is held until ``finish()`` to size its columns — or, when
/// `streaming` (`--follow`), printed as rows come, in the widths of the first rows printed.
struct EventPrinter {
    let format: OutputFormat
    let raw: Bool
    /// The fields of `--columns`; nil for the default columns.
    let fields: [String]?
    let streaming: Bool
    /// With `streaming`, the widths the header was printed in.
    private var widths: [Int]?
    private(set) var count = 0
    private var held: [Event] = []

    init(format: OutputFormat, raw: Bool, fields: [String]?, streaming: Bool) {
        self.format = format
        self.raw = raw
        self.fields = fields
        self.streaming = streaming
        if format == .csv {
            Standard.out(CSV.line((fields ?? Event.fieldNames) + (raw ? ["raw"] : [])))
        }
    }

    mutating func print(_ event: Event, raw record: [UInt8]?) {
        count += 1
        switch format {
        case .json:
            Standard.out(event.json(raw: raw ? record : nil))
        case .csv:
            var cells = (fields ?? Event.fieldNames).map { event.text(of: $0) }
            // The record compacted to one line, as in JSON: a cell a spreadsheet shows whole.
            if raw { cells.append(record.map { String(decoding: CompactJSON.compact($0) ?? $0, as: UTF8.self) }) }
            Standard.out(CSV.line(cells))
        case .table:
            held.append(event)
        }
    }

    /// The columns of the table: those of `--columns`, or the defaults — with a REASON column
    /// when a row is not a success (a table of successes would show a column of dashes) or when
    /// following (rows to come may be denials).
    private func columns() -> [EventColumn] {
        if let fields { return fields.map(EventColumn.field) }
        return EventColumn.defaults(reasons: streaming || held.contains { $0.outcome != .success })
    }

    /// Prints the rows held: all of them at the end of a query, or those of one poll when following.
    mutating func finish() {
        guard format == .table, !held.isEmpty else { return }
        let columns = columns()
        var table = Table(headers: columns.map(\.header))
        table.keepWhole = EventColumn.keptWhole(columns)
        for event in held { table.append(columns.map { $0.value(event) }) }
        held.removeAll()
        if streaming, let widths {
            table.rows.forEach { Standard.out(table.line($0, widths: widths, cut: Terminal.width != nil)) }
        } else {
            let fitted = table.widths(fitting: Terminal.width)
            Standard.out(table.line(table.headers, widths: fitted, colour: false))
            table.rows.forEach { Standard.out(table.line($0, widths: fitted)) }
            if streaming { widths = fitted }
        }
    }
}
