import KeywatchCore

/// The counts a pushed request was answered with, kept under its idempotency key.
public struct PushOutcome: Sendable, Equatable {
    /// Events stored new.
    public var accepted: Int
    /// Events already stored (by their keys).
    public var duplicates: Int
    /// Records rejected, each with its reason.
    public var rejected: Int

    public init(accepted: Int, duplicates: Int, rejected: Int) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.rejected = rejected
    }
}

/// What makes a retried push the same push: SHA-256 digests of its whole idempotency key and of
/// its body after decompression. The key is kept as a digest so that keys of any length are
/// told apart without storing them; the body's digest tells a retry (same bytes, plain or
/// gzip) from a different batch sent under a key already used.
public struct PushIdempotency: Sendable, Equatable {
    /// SHA-256 of the key's UTF-8 bytes.
    public var key: [UInt8]
    /// SHA-256 of the body's bytes after decompression.
    public var body: [UInt8]

    public init(key: [UInt8], body: [UInt8]) {
        self.key = key
        self.body = body
    }
}

/// An earlier push under a key: the digest of its body and the counts it was answered with.
public struct PushRecord: Sendable, Equatable {
    public var body: [UInt8]
    public var outcome: PushOutcome

    public init(body: [UInt8], outcome: PushOutcome) {
        self.body = body
        self.outcome = outcome
    }
}

extension EventStore {
    /// The push stored under the key digest `key`, if it was received at or after `since`
    /// (an older one has expired, even if not yet deleted).
    public func push(key: [UInt8], receivedSince since: Timestamp) throws(StoreError) -> PushRecord? {
        do {
            let select = try connection.prepare("""
                SELECT body_hash, accepted, duplicates, rejected FROM http_requests WHERE key_hash = ?1 AND received >= ?2
                """)
            try select.bind([.blob(key), .integer(since.microseconds)])
            guard try select.step() else { return nil }
            return PushRecord(body: select.blob(0), outcome: PushOutcome(
                accepted: Int(select.int64(1)), duplicates: Int(select.int64(2)), rejected: Int(select.int64(3))))
        } catch {
            throw StoreError(error)
        }
    }

    /// Keeps a push's answer under its key, inside the transaction holding its events; an
    /// expired record of the same key is replaced.
    public func savePush(_ idempotency: PushIdempotency, outcome: PushOutcome, at now: Timestamp) throws(StoreError) {
        do {
            try connection.prepare("""
                INSERT OR REPLACE INTO http_requests(key_hash, body_hash, received, accepted, duplicates, rejected)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                """).run([.blob(idempotency.key), .blob(idempotency.body), .integer(now.microseconds),
                          .integer(Int64(outcome.accepted)), .integer(Int64(outcome.duplicates)),
                          .integer(Int64(outcome.rejected))])
        } catch {
            throw StoreError(error)
        }
    }

    /// Deletes, inside the current transaction, up to `limit` keys received before `cutoff`,
    /// oldest first; returns how many went (fewer than `limit`: none is left).
    public func deletePushKeys(receivedBefore cutoff: Timestamp, limit: Int = 10_000) throws(StoreError) -> Int {
        do {
            try connection.prepare("""
                DELETE FROM http_requests WHERE key_hash IN
                    (SELECT key_hash FROM http_requests WHERE received < ?1 ORDER BY received LIMIT ?2)
                """).run([.integer(cutoff.microseconds), .integer(Int64(limit))])
            return connection.changes
        } catch {
            throw StoreError(error)
        }
    }
}
