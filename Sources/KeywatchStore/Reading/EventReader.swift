import KeywatchCore

/// The reading side of the store, for investigators: filtered events, their original records,
/// and read-only SQL. Opens the store read-only, so it can run beside a writer (WAL readers
/// never block it) and can never change it.
public final class EventReader {
    public let connection: SQLiteConnection
    private let raw = RawBlockReader()

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
        let query = EventQuery(filter)
        let statement = try connection.prepare(query.sql)
        try statement.bind(query.arguments)
        let strings = try TextLookup(table: "strings", column: "value", in: connection)
        let inputs = try TextLookup(table: "inputs", column: "name", in: connection)
        var rows: [(Event, RawLocation)] = []
        while try statement.step() {
            rows.append(try EventQuery.event(from: statement, strings: strings, inputs: inputs))
        }
        // Selected newest first (so a limit keeps the most recent); shown oldest first.
        for (event, location) in rows.reversed() {
            try body(event, includeRaw ? try raw.record(at: location, in: connection) : nil)
        }
    }

    /// All events matching `filter`, oldest first.
    public func events(matching filter: EventFilter) throws -> [Event] {
        var found: [Event] = []
        try events(matching: filter) { event, _ in found.append(event) }
        return found
    }
}
