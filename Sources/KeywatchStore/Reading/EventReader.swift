import KeywatchCore

/// The reading side of the store, for investigators: filtered events, their original records,
/// and read-only SQL. Opens the store read-only, so it can run beside a writer (WAL readers
/// never block it) and can never change it.
public final class EventReader {
    public let connection: SQLiteConnection
    let rawBlocks = RawBlockReader()

    /// Opens the store at `path` for reading.
    public init(path: String) throws(StoreError) {
        do {
            connection = try SQLiteConnection(path: path, readOnly: true)
            connection.setBusyTimeout(milliseconds: 10_000)
            let version = Int(try connection.scalar("PRAGMA user_version") ?? 0)
            if version > EventStore.schemaVersion {
                throw StoreError.newerSchema(found: version, supported: EventStore.schemaVersion)
            }
            if version == 0 {
                throw StoreError.corrupt("\(path) is not a keywatch store (no schema); run `keywatch ingest` first")
            }
            try connection.execute("PRAGMA query_only = 1")
        } catch {
            throw StoreError(error)
        }
    }

    /// The events matching `filter`, oldest first (the most recent `limit` of them), each handed
    /// to `body` with its original record when `includeRaw`.
    public func events(
        matching filter: EventFilter, includeRaw: Bool = false, _ body: (Event, [UInt8]?) throws -> Void
    ) throws {
        var principals: NameMatch?, resources: NameMatch?
        if !filter.principals.isEmpty {
            principals = try NameMatch.resolve(filter.principals, kind: .principal, in: connection)
        }
        if !filter.resources.isEmpty {
            resources = try NameMatch.resolve(filter.resources, kind: .resource, in: connection)
        }
        // A value no stored string equals or matches finds nothing: said at once, without walking the hours.
        if principals?.ids.isEmpty == true || resources?.ids.isEmpty == true { return }
        let query = EventQuery(filter, principals: principals, resources: resources)
        let statement = try connection.prepare(query.sql)
        let strings = try TextLookup(table: "strings", column: "value", in: connection)
        let inputs = try TextLookup(table: "inputs", column: "name", in: connection)
        var rows: [(Event, RawLocation)] = []
        func select(_ arguments: [SQLiteValue]) throws {
            try statement.bind(arguments)
            defer { statement.reset() }
            while try statement.step() {
                rows.append(try EventQuery.event(from: statement, strings: strings, inputs: inputs))
            }
        }
        if query.walksHours {
            let newest = try connection.prepare("SELECT max(time) FROM event_rows WHERE time < ?1")
            func newestTime(before time: Int64?) throws -> Int64? {
                guard let time else { return try connection.scalar("SELECT max(time) FROM event_rows") }
                try newest.bind([.integer(time)])
                defer { newest.reset() }
                return try newest.step() && !newest.isNull(0) ? newest.int64(0) : nil
            }
            guard let last = try newestTime(before: filter.until?.microseconds),
                  let first = try connection.scalar("SELECT min(time) FROM event_rows WHERE time >= ?1",
                                                    [.integer(filter.since?.microseconds ?? .min)]),
                  first <= last
            else { return }
            var spans = HourSpans(oldest: EventHour.of(first), newest: EventHour.of(last), doubling: filter.limit != nil)
            while let hours = spans.next() {
                try select(query.arguments(hours: hours, limit: filter.limit.map { $0 - rows.count }))
                if let limit = filter.limit, rows.count >= limit { break }
                guard let older = try newestTime(before: EventHour.start(of: hours.lowerBound)) else { break }
                spans.skip(to: EventHour.of(older))
            }
        } else {
            try select(query.arguments)
        }
        // Selected newest first (so a limit keeps the most recent); shown oldest first.
        for (event, location) in rows.reversed() {
            try body(event, includeRaw ? try rawBlocks.record(at: location, in: connection) : nil)
        }
    }

    /// All events matching `filter`, oldest first.
    public func events(matching filter: EventFilter) throws -> [Event] {
        var found: [Event] = []
        try events(matching: filter) { event, _ in found.append(event) }
        return found
    }
}
