import KeywatchCore
import KeywatchTestSupport
import Testing
@testable import KeywatchStore

/// Pushes' idempotency keys in the store: by digest, with their body's digest, expiring.
@Suite("Push records")
struct PushRecordsTests {
    let outcome = PushOutcome(accepted: 3, duplicates: 1, rejected: 2)

    func key(_ byte: UInt8) -> PushIdempotency {
        PushIdempotency(key: Array(repeating: byte, count: 32), body: Array(repeating: byte &+ 1, count: 32))
    }

    @Test("a store of version 6 gets the table of key digests; the keys cut to 200 characters go")
    func migration() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let connection = try SQLiteConnection(path: path)
        for (version, migration) in Schema.migrations.prefix(6).enumerated() {
            try connection.execute(migration)
            try connection.execute("PRAGMA user_version = \(version + 1)")
        }
        try connection.execute("INSERT INTO http_requests VALUES ('batch-1', 1, 5, 0, 0)")
        let store = try EventStore(path: path)
        #expect(try store.connection.scalar("SELECT count(*) FROM http_requests") == 0)
        try store.transaction { () throws(StoreError) in try store.savePush(key(1), outcome: outcome, at: .now) }
        #expect(try store.push(key: key(1).key, receivedSince: .now - .hours(1)) == PushRecord(body: key(1).body, outcome: outcome))
    }

    @Test("a key received before the cutoff is not found, and is deleted in slices, oldest first")
    func expiry() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        let start = Timestamp(microseconds: 1_800_000_000_000_000)
        try store.transaction { () throws(StoreError) in
            for byte in UInt8(0)..<5 { try store.savePush(key(byte), outcome: outcome, at: start + .seconds(Int64(byte))) }
        }
        #expect(try store.push(key: key(1).key, receivedSince: start + .seconds(2)) == nil, "expired")
        #expect(try store.push(key: key(2).key, receivedSince: start + .seconds(2)) != nil)
        let first = try store.transaction { () throws(StoreError) in try store.deletePushKeys(receivedBefore: start + .seconds(3), limit: 2) }
        #expect(first == 2)
        #expect(try store.connection.scalar("SELECT count(*) FROM http_requests WHERE received < ?1",
                                            [.integer((start + .seconds(2)).microseconds)]) == 0, "the oldest went first")
        let rest = try store.transaction { () throws(StoreError) in try store.deletePushKeys(receivedBefore: start + .seconds(3), limit: 2) }
        #expect(rest == 1)
        #expect(try store.connection.scalar("SELECT count(*) FROM http_requests") == 2)
    }
}
