import ArgumentParser
import KeywatchCore
import KeywatchStore

/// `keywatch rejects`: the records the store refused — when, from where, why, and how they began.
struct RejectsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejects",
        abstract: "Show the records that were rejected: when, where from, why, and their first bytes.",
        discussion: """
            TIME is when the record was received (a rejected record has no event time of its own). ORIGIN is \
            file:<path>@<byte offset> for a file (the offset in its decompressed content) or http:<request id> \
            for a push. The record's first bytes are shown as text, control characters escaped (\\x0a): 80 of \
            them in the table, all that was kept (256) in json and csv. Results are the most recent --limit \
            rejects, oldest first.
            """
    )

    @Option(help: "The store.")
    var db = "keywatch.db"

    @Option(help: "Rejects received at or after this time (RFC 3339, or 15m, 24h, 7d ago).")
    var since: String?

    @Option(help: "At most this many rejects (the most recent); 0 for all.")
    var limit = 100

    @Option(help: "table, json (one object per line) or csv.")
    var format: OutputFormat = .table

    /// Bytes of a record the table shows.
    static let tableBytes = 80

    func validate() throws {
        if limit < 0 { throw ValidationError("--limit must be 0 (all) or more") }
    }

    func run() throws {
        let since = try TimeOption.parse(self.since, "--since", now: Timestamp.now)
        var table = Table(headers: ["RECEIVED", "ORIGIN", "REASON", "RECORD"])
        table.keepWhole = [0]
        var count = 0
        if format == .csv { Standard.out(CSV.line(["received", "input", "offset", "origin", "reason", "record"])) }
        try StoreAccess.reading(db, command: "rejects") { reader in
            try reader.rejects(since: since, limit: limit == 0 ? nil : limit) { reject in
                count += 1
                switch format {
                case .json:
                    Standard.out(Self.json(reject))
                case .csv:
                    Standard.out(CSV.line([reject.received.rfc3339, reject.origin.input, reject.origin.offset.map(String.init),
                                           reject.origin.description, reject.reason, Self.text(reject.prefix)]))
                case .table:
                    table.append([reject.received.rfc3339, reject.origin.description, reject.reason,
                                  Self.text(reject.prefix.prefix(Self.tableBytes))])
                }
            }
        }
        if format == .table {
            if count == 0 {
                Standard.error("no rejected records" + (since != nil ? " since then" : ""))
            } else {
                table.render().forEach(Standard.out)
            }
        }
        if limit > 0, count == limit {
            Standard.error("showing the most recent \(limit) rejects; use --limit 0 for all")
        }
    }

    /// A record's first bytes as text a terminal shows as they are: invalid UTF-8 as U+FFFD,
    /// control characters as visible escapes.
    static func text(_ bytes: some Collection<UInt8>) -> String {
        TerminalText.escape(String(decoding: bytes, as: UTF8.self))
    }

    /// One reject as a JSON object on one line.
    static func json(_ reject: StoredReject) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("received", reject.received.rfc3339)
        writer.field("input", reject.origin.input)
        writer.field("offset", reject.origin.offset.map { Int($0) })
        writer.field("origin", reject.origin.description)
        writer.field("reason", reject.reason)
        writer.field("record", text(reject.prefix))
        writer.endObject()
        return writer.string
    }
}
