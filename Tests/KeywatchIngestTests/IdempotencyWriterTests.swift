import Foundation
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
import Logging
import Testing
@testable import KeywatchIngest

/// Idempotency keys in the writer: what a key seen before answers, and keys expiring.
@Suite("Writer idempotency keys")
struct IdempotencyWriterTests {
    func batch(_ range: Range<Int>) -> EventBatch {
        var batch = EventBatch()
        Array(SyntheticLogs.keyVaultLines(range).utf8).withUnsafeBytes {
            RecordDecoder().decodeDocument($0, origin: Origin(input: "http:test", offset: nil), into: &batch)
        }
        return batch
    }

    func writer(_ path: String, ttl: EventDuration, pruneInterval: TimeInterval) throws -> StoreWriter {
        let writer = try StoreWriter(
            store: try EventStore(path: path), identities: .empty, detection: nil, metrics: DaemonMetrics(),
            options: StoreWriter.Options(idempotencyTTL: ttl, idempotencyPruneInterval: pruneInterval),
            logger: Logger(label: "test"), onAlerts: { _ in }, onFailure: { _ in })
        writer.start()
        return writer
    }

    let key = PushIdempotency(key: Array(repeating: 1, count: 32), body: Array(repeating: 2, count: 32))
    var otherBody: PushIdempotency { PushIdempotency(key: key.key, body: Array(repeating: 3, count: 32)) }

    @Test("a key seen with the same body is a replay, with another body a refusal; neither stores anything")
    func replayAndReuse() async throws {
        let directory = TemporaryDirectory()
        let writer = try writer(directory.path("k.db"), ttl: .hours(24), pruneInterval: 600)
        defer { writer.stop() }
        let first = PushOutcome(accepted: 4, duplicates: 0, rejected: 0)
        #expect(try await writer.write(batch(0..<4), idempotency: key) == .stored(first))
        #expect(try await writer.write(batch(0..<4), idempotency: key) == .replayed(first))
        #expect(try await writer.write(batch(10..<12), idempotency: otherBody) == .keyReused)
        let reader = try SQLiteConnection(path: directory.path("k.db"), readOnly: true)
        #expect(try reader.scalar("SELECT count(*) FROM event_rows") == 4)
    }

    @Test("a key past its time to live is a new key, and the writer deletes expired keys")
    func keysExpire() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let ttl = EventDuration(microseconds: 1_000_000)
        // Pruning far off: a lookup ignores an expired key that is still stored.
        do {
            let writer = try writer(path, ttl: ttl, pruneInterval: 3600)
            defer { writer.stop() }
            _ = try await writer.write(batch(0..<2), idempotency: key)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await writer.write(batch(10..<12), idempotency: otherBody) == .stored(PushOutcome(accepted: 2, duplicates: 0, rejected: 0)))
        }
        // Pruning often: the expired key is deleted.
        let writer = try writer(path, ttl: ttl, pruneInterval: 0.1)
        defer { writer.stop() }
        let reader = try SQLiteConnection(path: path, readOnly: true)
        let deadline = Date().addingTimeInterval(20)
        while try reader.scalar("SELECT count(*) FROM http_requests") != 0, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try reader.scalar("SELECT count(*) FROM http_requests") == 0)
        #expect(try reader.scalar("SELECT count(*) FROM event_rows") == 4)
    }
}
