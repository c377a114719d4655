import KeywatchCore

extension EventReader {
    /// The newest raw block's id (0 when none). Each ingested batch stores its events with a block
    /// of their original records, in one transaction, and blocks are numbered in commit order:
    /// the events stored after a point are those of the blocks after it.
    public func newestBlock() throws -> Int64 {
        try connection.scalar("SELECT coalesce(max(id), 0) FROM raw_blocks") ?? 0
    }

    /// The events matching `filter` stored after block `block`, oldest first, each handed to `body`
    /// (with its original record when `includeRaw`); returns the newest block read, where the next
    /// call continues. `filter.limit` and `filter.blocks` are ignored.
    ///
    /// The blocks' span of event time bounds the search, so the time-ordered indexes find the rows.
    public func events(
        matching filter: EventFilter, storedAfter block: Int64, includeRaw: Bool = false, _ body: (Event, [UInt8]?) throws -> Void
    ) throws -> Int64 {
        let span = try connection.prepare("SELECT max(id), min(first_time), max(last_time) FROM raw_blocks WHERE id > ?1")
        try span.bind([.integer(block)])
        guard try span.step(), !span.isNull(0) else { return block }
        let newest = span.int64(0)
        var filter = filter
        filter.limit = nil
        filter.blocks = (block + 1)...newest
        if !span.isNull(1) {
            let first = Timestamp(microseconds: span.int64(1))
            let last = Timestamp(microseconds: span.int64(2) + 1)
            filter.since = max(filter.since ?? first, first)
            filter.until = min(filter.until ?? last, last)
        }
        span.reset()
        if let since = filter.since, let until = filter.until, since >= until { return newest }
        try events(matching: filter, includeRaw: includeRaw, body)
        return newest
    }
}
