import ArgumentParser
import Foundation
import KeywatchCore
import KeywatchStore

/// `keywatch query`: events by time, principal, operation, class, outcome, resource, namespace,
/// source or IP — or read-only SQL over the store.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Show stored events, filtered; or run read-only SQL over the store.",
        discussion: """
            Filters may be repeated (any of them matches) and text values may use * as a wildcard; \
            --principal also matches the caller's name (principal_name: checkout-irsa, \
            alice@contoso.example) and --resource the object's name (object_name: db-password), \
            as the table shows them. \
            Times are RFC 3339 (2026-11-22T10:00:00Z) or a span before now (15m, 24h, 7d). \
            Results are the most recent --limit events, oldest first. With --sql, the view `events` \
            has every field of the normalized event; `event_rows`, `strings`, `rejects` and `inputs` \
            are the tables behind it. A statement is stopped after --timeout, past --max-memory, or when \
            the write-ahead log of a daemon writing beside it grows by 256 MiB while it runs; --copy runs it \
            on a private copy of the store instead.
            """
    )

    @Option(help: "The store.")
    var db = "keywatch.db"

    @Option(help: "Events at or after this time (RFC 3339, or 15m, 24h, 7d ago).")
    var since: String?

    @Option(help: "Events before this time.")
    var until: String?

    @Option(help: "Who called: the principal (ARN, object id...) or its name (checkout-irsa, a user's UPN).")
    var principal: [String] = []

    @Option(help: "operationName / eventName.")
    var operation: [String] = []

    @Option(name: .customLong("class"), help: "crypto, read, list, write, destroy, permission, config, auth, service, other.")
    var eventClass: [String] = []

    @Option(help: "success, denied, failed, challenge.")
    var outcome: [String] = []

    @Option(help: "The key, secret, certificate or vault acted on: its ARN or URL, or its name (db-password).")
    var resource: [String] = []

    @Option(help: "The Kubernetes namespace of the caller.")
    var namespace: [String] = []

    @Option(help: "azure.keyvault, aws.kms, aws.sts, aws.eks-auth.")
    var source: [String] = []

    @Option(help: "The caller's IP address.")
    var ip: [String] = []

    @Option(help: "At most this many events (the most recent); 0 for all.")
    var limit = 1000

    @Option(help: "table, json (one object per line) or csv.")
    var format: OutputFormat = .table

    @Flag(help: "Include the original record (json and csv), re-written on one line.")
    var raw = false

    @Option(help: ArgumentHelp(
        "The columns of table and csv output, as field names separated by commas (time,principal_name,reason); json prints whole events.",
        valueName: "fields"))
    var columns: String?

    @Flag(help: "After the matching events, keep printing new ones as they are stored, until interrupted (Ctrl-C).")
    var follow = false

    @Option(help: "Run this read-only SQL statement instead of filtering.")
    var sql: String?

    @Option(help: "With --sql: stop the statement after this long (30s, 5m, 1h; 0 for no limit). Default: 30s.")
    var timeout: String?

    @Option(help: "With --sql: MiB of memory SQLite may use (0 for no limit). Default: 512.")
    var maxMemory: Int?

    /// `--max-memory` in MiB, or its default.
    var memoryLimit: Int { maxMemory ?? 512 }

    @Flag(help: "With --sql: run on a private copy of the store (a temporary file as big as the store), so that a long statement holds nothing of a running daemon's.")
    var copy = false

    func validate() throws {
        if sql != nil {
            let filtering = since != nil || until != nil || !principal.isEmpty || !operation.isEmpty || !eventClass.isEmpty
                || !outcome.isEmpty || !resource.isEmpty || !namespace.isEmpty || !source.isEmpty || !ip.isEmpty || raw
            if filtering { throw ValidationError("--sql cannot be combined with filters or --raw") }
        }
        if sql != nil && (columns != nil || follow) {
            throw ValidationError("--columns and --follow go with filters, not --sql")
        }
        if let columns { _ = try EventColumn.parse(columns) }
        if sql == nil && (timeout != nil || copy || maxMemory != nil) {
            throw ValidationError("--timeout, --max-memory and --copy go with --sql")
        }
        if limit < 0 { throw ValidationError("--limit must be 0 (all) or more") }
        if let maxMemory, !(0...(1 << 20)).contains(maxMemory) {
            throw ValidationError("--max-memory must be from 0 (no limit) to 1048576 MiB (1 TiB)")
        }
        _ = try timeLimit()
    }

    /// `--timeout` as a duration; nil for no limit.
    func timeLimit() throws -> Duration? {
        guard let timeout else { return .seconds(30) }
        if timeout == "0" { return nil }
        guard let span = EventDuration(parsing: timeout), span.microseconds >= 0 else {
            throw ValidationError("--timeout '\(timeout)' is not a duration (30s, 5m, 1h; 0 for no limit)")
        }
        return span.microseconds == 0 ? nil : .microseconds(span.microseconds)
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else {
            Standard.error("keywatch query: no store at \(db) (use --db, or run `keywatch ingest` first)")
            throw ExitCode(2)
        }
        do {
            if let sql {
                try runSQL(sql)
            } else {
                try runFilter(try makeFilter())
            }
            Standard.flush()
        } catch let error as ValidationError {
            throw error
        } catch let error as ExitCode {
            throw error
        } catch {
            Standard.flush()
            Standard.error("keywatch query: \(error)")
            throw ExitCode(2)
        }
    }

    func makeFilter() throws -> EventFilter {
        let now = Timestamp.now
        var filter = EventFilter()
        filter.since = try TimeOption.parse(since, "--since", now: now)
        filter.until = try TimeOption.parse(until, "--until", now: now)
        filter.principals = principal
        filter.operations = operation
        filter.resources = resource
        filter.namespaces = namespace
        filter.ips = ip
        filter.classes = try eventClass.map { try Self.parse($0, as: EventClass.self, option: "--class") }
        filter.outcomes = try outcome.map { try Self.parse($0, as: Outcome.self, option: "--outcome") }
        filter.sources = try source.map { try Self.parse($0, as: EventSource.self, option: "--source") }
        filter.limit = limit == 0 ? nil : limit
        return filter
    }

    static func parse<T: CaseIterable & RawRepresentable>(_ text: String, as: T.Type, option: String) throws -> T where T.RawValue == String {
        if let value = T(rawValue: text.lowercased()) { return value }
        throw ValidationError("\(option) '\(text)' is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    private func runFilter(_ filter: EventFilter) throws {
        let reader = try EventReader(path: db)
        var printer = EventPrinter(format: format, raw: raw, fields: try columns.map(EventColumn.parse), streaming: follow)
        let includeRaw = raw && format != .table
        // Where following starts: the events stored after this block were not in the first answer.
        var newest = follow ? try reader.newestBlock() : 0
        var first = filter
        if follow { first.blocks = 0...newest }
        try reader.events(matching: first, includeRaw: includeRaw) { printer.print($0, raw: $1) }
        printer.finish()
        if printer.count == 0 && format == .table && !follow {
            Standard.error("no events match")
        }
        if let limit = filter.limit, printer.count == limit {
            Standard.error("showing the most recent \(limit) events; use --limit 0 for all")
        }
        guard follow else { return }
        try Following.run {
            newest = try reader.events(matching: filter, storedAfter: newest, includeRaw: includeRaw) { printer.print($0, raw: $1) }
            printer.finish()
        }
    }

    private func runSQL(_ sql: String) throws {
        // Before any connection opens: SQLite can be capped only then.
        if memoryLimit > 0 { SQLiteLibrary.limitHeap(toBytes: Int64(memoryLimit) << 20) }
        var limits = ReadOnlySQL.Limits(timeout: try timeLimit())
        if memoryLimit > 0 { limits.maximumValueBytes = Int32(clamping: (Int64(memoryLimit) << 20) / 2) }
        let runner = try ReadOnlySQL(path: db, limits: limits, copy: copy)
        var columns: [String] = []
        var table: Table?
        do {
            try runner.run(sql, header: { names in
                columns = names
                switch format {
                case .csv: Standard.out(CSV.line(names))
                case .table: table = Table(headers: names)
                case .json: break
                }
            }) { values in
                switch format {
                case .json: Standard.out(Self.json(values, columns))
                case .csv: Standard.out(CSV.line(values.map(Self.text)))
                case .table:
                    // A table is held whole, to size its columns: at most --limit rows of it.
                    if limit > 0, table?.rows.count == limit { throw TableFull() }
                    table?.append(values.map(Self.text))
                }
            }
        } catch is TableFull {
            Standard.error("showing the first \(limit) rows; use --limit 0 for all, or --format csv or json")
        }
        table?.render().forEach(Standard.out)
    }

    /// The table holds --limit rows: the statement ends there.
    private struct TableFull: Error {}

    /// A row as a JSON object of its columns.
    static func json(_ values: [SQLiteValue], _ columns: [String]) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        for (name, value) in zip(columns, values) {
            writer.key(name)
            switch value {
            case .null: writer.value(nil as String?)
            case .integer(let v): writer.value(v)
            case .real(let v): writer.value(v)
            case .text(let v): writer.value(v)
            case .blob(let v): writer.value(v.map { String(format: "%02x", $0) }.joined())
            }
        }
        writer.endObject()
        return writer.string
    }

    static func text(_ value: SQLiteValue) -> String? {
        switch value {
        case .null: return nil
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        case .blob(let v): return "x'" + v.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }
}
