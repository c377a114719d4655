import KeywatchCore

/// A record the store refused, as `keywatch rejects` shows it: when, from where, why, and its
/// first bytes.
public struct StoredReject: Sendable, Equatable {
    /// When it was received (wall clock): a rejected record has no event time of its own.
    public var received: Timestamp
    /// Where it came from: the input (`file:<path>` or `http:<request id>`) and, for a file, the
    /// byte offset of the record in its (decompressed) content.
    public var origin: Origin
    /// Why it could not be read, as the decoder said.
    public var reason: String
    /// The first bytes of the record (at most ``Reject/prefixLength``), as received: hostile.
    public var prefix: [UInt8]
}

extension EventReader {
    /// The rejects received at or after `since`, oldest first: the most recent `limit` of them
    /// (all when nil), each handed to `body`.
    public func rejects(since: Timestamp?, limit: Int?, _ body: (StoredReject) throws -> Void) throws {
        // Newest first by id (the order they were stored), so the limit keeps the most recent.
        let statement = try connection.prepare("""
            SELECT r.received, i.name, r.input_offset, r.reason, r.prefix
            FROM rejects r LEFT JOIN inputs i ON i.id = r.input_id
            WHERE r.received >= ?1
            ORDER BY r.id DESC LIMIT ?2
            """)
        try statement.bind([.integer(since?.microseconds ?? .min), .integer(Int64(limit ?? -1))])
        var found: [StoredReject] = []
        while try statement.step() {
            found.append(StoredReject(
                received: Timestamp(microseconds: statement.int64(0)),
                origin: Origin(input: statement.text(1) ?? "", offset: statement.isNull(2) ? nil : statement.int64(2)),
                reason: statement.text(3) ?? "",
                prefix: statement.blob(4)))
        }
        for reject in found.reversed() { try body(reject) }
    }
}
