import KeywatchCore
import Logging
import PostgresNIO

/// The day partitions of `events`: created when a batch first needs them, listed, and (for
/// retention) dropped whole.
///
/// A partition is created in a short transaction of its own, before the batch's: creating one
/// locks `events` against every writer, which must not last while a batch is copied, and an empty
/// partition left by a batch that then failed is harmless. Instances creating the same day at once
/// serialize on an advisory lock and `IF NOT EXISTS`, so neither fails.
///
/// ```swift
/// let partitions = EventPartitions(connection: connection, logger: logger)
/// try await partitions.ensure(EventPartitions.days(of: batch))
/// ```
public final class EventPartitions {
    public let connection: PostgresConnection
    public let logger: Logger
    /// Days known to have their partition: asked of the database once per connection, then kept.
    private var known: Set<EventDay> = []
    private var listed = false

    /// The advisory lock partition changes take: "kw" and "parts" in ASCII.
    static let lock: Int64 = 0x6B77_0070_6172_7473

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// The days `batch`'s events fall on.
    public static func days(of batch: EventBatch) -> Set<EventDay> {
        var days: Set<EventDay> = []
        var last: EventDay?
        for row in batch.rows {
            let day = EventDay(row.time)
            // Rows come mostly in time order: one hash per change of day.
            if day != last {
                days.insert(day)
                last = day
            }
        }
        return days
    }

    /// Creates the partitions of `days` that do not exist yet.
    public func ensure(_ days: Set<EventDay>) async throws(PostgresStoreError) {
        var missing = days.subtracting(known)
        guard !missing.isEmpty else { return }
        if !listed {
            known.formUnion(try await list())
            listed = true
            missing.subtract(known)
            guard !missing.isEmpty else { return }
        }
        do {
            try await PostgresTransaction.run(on: connection, logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lock))", logger: logger)
                for day in missing.sorted() {
                    // Names and bounds are made here from integers, never from input.
                    try await connection.query(PostgresQuery(unsafeSQL: """
                        CREATE TABLE IF NOT EXISTS \(day.partitionName) PARTITION OF events
                            FOR VALUES FROM ('\(day.start.rfc3339)') TO ('\(EventDay(number: day.number + 1).start.rfc3339)')
                        """), logger: logger)
                }
            }
        } catch {
            throw PostgresStoreError(error, doing: "creating the partitions of \(missing.sorted().map(\.description).joined(separator: ", "))")
        }
        known.formUnion(missing)
    }

    /// Every day that has a partition, oldest first.
    public func list() async throws(PostgresStoreError) -> [EventDay] {
        do {
            let rows = try await connection.query("""
                SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'events'::regclass
                """, logger: logger).collect()
            return try rows.compactMap { EventDay(partitionName: try $0.decode(String.self)) }.sorted()
        } catch {
            throw PostgresStoreError(error, doing: "listing the partitions of events")
        }
    }

    /// Drops the partitions of days wholly before `day` (retention: a day's events go at once,
    /// without deleting rows one by one); returns the days dropped.
    @discardableResult
    public func drop(before day: EventDay) async throws(PostgresStoreError) -> [EventDay] {
        let old = try await list().filter { $0 < day }
        guard !old.isEmpty else { return [] }
        do {
            try await PostgresTransaction.run(on: connection, logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lock))", logger: logger)
                for day in old {
                    try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(day.partitionName)"), logger: logger)
                }
            }
        } catch {
            throw PostgresStoreError(error, doing: "dropping the partitions before \(day)")
        }
        known.subtract(old)
        return old
    }
}
