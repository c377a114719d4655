import KeywatchCore

/// The span of event time the store holds: where a read of "everything" begins and ends.
extension EventReader {
    /// The time of the store's oldest event; nil when it holds none. A resource with no new
    /// version in the whole store is at least this old, if the logs since then are complete.
    public func oldestEventTime() throws -> Timestamp? {
        try connection.scalar("SELECT min(time) FROM event_rows").map(Timestamp.init(microseconds:))
    }

    /// The time of the store's newest event; nil when it holds none.
    public func newestEventTime() throws -> Timestamp? {
        try connection.scalar("SELECT max(time) FROM event_rows").map(Timestamp.init(microseconds:))
    }
}
