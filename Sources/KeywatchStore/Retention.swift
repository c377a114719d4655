import KeywatchCore

/// What a retention pass removed.
public struct RetentionResult: Sendable, Equatable {
    public var events = 0
    public var rawBlocks = 0
    public var rejects = 0
    /// Events older than the cutoff are left for the next call (the limit was reached).
    public var more = false

    public init() {}
}

extension EventStore {
    /// Deletes, inside the current transaction, up to about `limit` events older than
    /// `cutoff` (event time), the raw blocks whose events are all older, and the rejects
    /// received before it. Alerts and their deliveries stay.
    ///
    /// Rows are clustered by time, so the oldest go first and each call is a short range
    /// delete: the daemon calls it between commits until ``RetentionResult/more`` is false,
    /// and ingest goes on meanwhile. (A record deleted this way and read again would be stored
    /// again: the offsets of tailed files keep that from happening.)
    public func deleteEvents(before cutoff: Timestamp, limit: Int = 50_000) throws(StoreError) -> RetentionResult {
        do {
            var result = RetentionResult()
            // The time of the limit-th oldest event, if that many are older than the cutoff.
            let boundary = try connection.scalar(
                "SELECT time FROM event_rows WHERE time < ?1 ORDER BY time LIMIT 1 OFFSET ?2",
                [.integer(cutoff.microseconds), .integer(Int64(limit))])
            try connection.prepare("DELETE FROM event_rows WHERE time < ?1").run([.integer(boundary ?? cutoff.microseconds)])
            result.events = connection.changes
            result.more = boundary != nil
            // The newest block stays, even when all its events are gone: SQLite numbers a new block
            // after the largest id left, and block ids are what followers (`--follow`) and saved
            // detection state count from — a number taken again would hide the next block.
            try connection.prepare("DELETE FROM raw_blocks WHERE last_time < ?1 AND id < (SELECT max(id) FROM raw_blocks)")
                .run([.integer(boundary ?? cutoff.microseconds)])
            result.rawBlocks = connection.changes
            try connection.prepare("DELETE FROM rejects WHERE received < ?1").run([.integer(cutoff.microseconds)])
            result.rejects = connection.changes
            return result
        } catch {
            throw StoreError(error)
        }
    }
}
