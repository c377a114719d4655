import KeywatchCore
import Logging
import NIOCore
import PostgresNIO

/// Stores ``EventBatch``es in PostgreSQL: each batch's events and rejects in one transaction, with
/// counts of stored and duplicate events that are exact whatever other instances write meanwhile.
///
/// The events go by `COPY … FROM STDIN` into a temporary staging table, then into `events` with
/// `INSERT … SELECT … ON CONFLICT (key, time) DO NOTHING RETURNING`: the rows the server returns
/// are the ones stored, every other one was already there (stored by this instance or another,
/// now or before). Rows repeated within the batch are told apart here, the first one kept as the
/// SQLite store keeps it. One writer per connection (the staging table is the connection's).
///
/// ```swift
/// let writer = PostgresEventWriter(connection: connection, logger: logger)
/// let result = try await writer.write(batch)   // result.stored, result.duplicates, result.newRows
/// ```
public final class PostgresEventWriter {
    public let connection: PostgresConnection
    public let logger: Logger
    public let partitions: EventPartitions
    private var stagingExists = false
    private var rows = CopyTextRows(capacity: PostgresEventWriter.chunkBytes + (1 << 16))

    /// How much of the copy is sent at once.
    static let chunkBytes = 1 << 20

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
        partitions = EventPartitions(connection: connection, logger: logger)
    }

    /// Stores `batch` in a transaction of its own.
    @discardableResult
    public func write(_ batch: EventBatch) async throws(PostgresStoreError) -> PostgresWriteResult {
        try await prepare(for: batch)
        do {
            return try await PostgresTransaction.run(on: connection, logger: logger) { _ in try await self.append(batch) }
        } catch {
            throw PostgresStoreError(error, doing: "storing a batch of \(batch.rows.count) events")
        }
    }

    /// What must exist before `batch` is appended, made outside the batch's transaction: the
    /// partitions of its days and the staging table. ``write(_:)`` calls it; a caller committing
    /// more with the batch (input positions) calls it, then ``append(_:)`` in its transaction.
    public func prepare(for batch: EventBatch) async throws(PostgresStoreError) {
        try await partitions.ensure(EventPartitions.days(of: batch))
        guard !stagingExists else { return }
        do {
            // Room for a whole batch in the session's memory (8 MB by default, a third of one).
            // The server refuses a new size once the session has used a temporary table (the
            // connection's earlier owner may have): then the staging table makes do with it.
            _ = try? await connection.query("SET temp_buffers = '128MB'", logger: logger)
            // Emptied by every commit; private to the connection, and never written to the WAL. A
            // record comes as text (raw_text) when it is text, else as bytes (raw). Rows up to a
            // page are kept as they come: by default a row over 2 kB is compressed (pglz), which
            // made copying a batch take twice as long, for a table emptied at the commit.
            try await connection.query("""
                CREATE TEMPORARY TABLE IF NOT EXISTS event_staging (LIKE events, raw_text text)
                    WITH (toast_tuple_target = 8160) ON COMMIT DELETE ROWS
                """, logger: logger)
            try await connection.query("ALTER TABLE event_staging ALTER COLUMN raw DROP NOT NULL", logger: logger)
        } catch {
            throw PostgresStoreError(error, doing: "creating the staging table")
        }
        stagingExists = true
    }

    /// Appends `batch`'s events and rejects inside the caller's open transaction (after
    /// ``prepare(for:)``): nothing of it is kept unless that transaction commits.
    public func append(_ batch: EventBatch) async throws(PostgresStoreError) -> PostgresWriteResult {
        var result = PostgresWriteResult()
        do {
            if !batch.rows.isEmpty {
                try await appendEvents(batch, into: &result)
            }
            if !batch.rejects.isEmpty {
                try await appendRejects(batch.rejects)
                result.rejected = batch.rejects.count
            }
        } catch {
            throw PostgresStoreError(error, doing: "storing a batch of \(batch.rows.count) events")
        }
        return result
    }

    private func appendEvents(_ batch: EventBatch, into result: inout PostgresWriteResult) async throws {
        // The first of the rows sharing a key and a time is the one stored; the others are duplicates.
        var first: [StoredKey: Int] = [:]
        first.reserveCapacity(batch.rows.count)
        var sent: [Int] = []
        sent.reserveCapacity(batch.rows.count)
        for (position, row) in batch.rows.enumerated() {
            let key = StoredKey(key: PostgresText.encode(batch.text(row.key) ?? ""), time: row.time.microseconds)
            if first[key] == nil {
                first[key] = position
                sent.append(position)
            }
        }
        let fields = CopyFields(batch)
        rows.removeAll()
        try await connection.copyFrom(table: "event_staging", columns: Self.stagingColumns, logger: logger) { writer in
            for position in sent {
                fields.write(batch.rows[position], of: batch, to: &rows)
                if rows.bytes.count >= Self.chunkBytes {
                    try await writer.write(ByteBuffer(bytes: rows.bytes))
                    rows.removeAll()
                }
            }
            if !rows.bytes.isEmpty { try await writer.write(ByteBuffer(bytes: rows.bytes)) }
        }
        rows.removeAll()
        let inserted = try await connection.query(Self.insert, logger: logger)
        for try await (key, time) in inserted.decode((String, Int64).self) {
            guard let position = first[StoredKey(key: key, time: time)] else {
                throw PostgresStoreError.server("the server stored an event this batch did not send (key \(key.prefix(80)))")
            }
            result.newRows.append(position)
        }
        result.newRows.sort()
        result.stored = result.newRows.count
        result.duplicates = batch.rows.count - result.stored
    }

    private func appendRejects(_ rejects: [Reject]) async throws {
        var query = PostgresQuery(unsafeSQL: """
            INSERT INTO rejects (received, input, input_offset, input_generation, reason, prefix)
            SELECT now(), input, nullif(input_offset, -1), input_generation, reason, prefix
            FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bytea[])
                AS r(input, input_offset, input_generation, reason, prefix)
            ON CONFLICT (input, input_generation, input_offset, reason) WHERE input_offset IS NOT NULL DO NOTHING
            """)
        // Offsets are never negative: -1 stands for none (pushes), as arrays of optionals cannot be bound.
        query.binds.append(rejects.map { PostgresText.encode($0.origin.input) })
        query.binds.append(rejects.map { $0.origin.offset ?? -1 })
        query.binds.append(rejects.map(\.inputGeneration))
        query.binds.append(rejects.map { PostgresText.encode($0.reason) })
        query.binds.append(rejects.map { ByteBuffer(bytes: $0.prefix) })
        try await connection.query(query, logger: logger)
    }

    /// The columns of `events` (and of the staging table), in the order ``CopyFields`` writes them.
    static let columns = [
        "key", "time", "source", "operation", "class", "outcome", "status", "error_code", "reason", "principal",
        "principal_type", "principal_name", "app_id", "session", "new_session", "namespace", "service_account", "tenant",
        "account", "scope", "resource", "resource_type", "object_name", "resource_namespace", "ip", "user_agent", "region",
        "request_id", "input", "input_offset", "raw",
    ]

    /// The staging table's columns: ``columns``, then the record when it came as text.
    static let stagingColumns = columns + ["raw_text"]

    private static var insert: PostgresQuery {
        let columns = Self.columns.joined(separator: ", ")
        let values = Self.columns.dropLast().joined(separator: ", ") + ", coalesce(raw, convert_to(raw_text, 'UTF8'))"
        return PostgresQuery(unsafeSQL: """
            INSERT INTO events (\(columns)) SELECT \(values) FROM event_staging
            ON CONFLICT (key, time) DO NOTHING
            RETURNING key, (extract(epoch FROM time) * 1000000)::bigint
            """)
    }
}

/// An event's identity as stored: its encoded key and its time.
private struct StoredKey: Hashable {
    var key: String
    var time: Int64
}

/// What one batch's write did.
public struct PostgresWriteResult: Sendable, Equatable {
    /// Events stored now.
    public var stored = 0
    /// Events that were stored already (or earlier in the same batch).
    public var duplicates = 0
    /// Rejected records of the batch (each stored once per input, generation, offset and reason).
    public var rejected = 0
    /// Positions (in the batch) of the rows stored now, ascending.
    public var newRows: [Int] = []

    public init() {}
}
