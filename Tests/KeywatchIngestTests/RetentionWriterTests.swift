import Foundation
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
import Logging
import Testing
@testable import KeywatchIngest

@Suite("Writer retention")
struct RetentionWriterTests {
    @Test("the writer deletes events past the retention period between commits; recent ones stay")
    func writerEnforcesRetention() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let store = try EventStore(path: path)
        // A retention that puts the cutoff at 10:00:02 event time now, moving on with the clock:
        // records at 10:00:00–10:00:01 are past it within seconds, those at 10:01:40 not for 98 s.
        let cutoff = Timestamp(parsing: "2026-11-20T10:00:02Z")!
        let retention = Timestamp.now - EventDuration(microseconds: cutoff.microseconds)
        let writer = try StoreWriter(
            store: store, identities: .empty, detection: nil, metrics: DaemonMetrics(),
            options: StoreWriter.Options(retention: EventDuration(microseconds: retention.microseconds), retentionInterval: 0.1),
            logger: Logger(label: "test"), onAlerts: { _ in }, onFailure: { _ in })
        writer.start()
        var batch = EventBatch()
        Array((SyntheticLogs.keyVaultLines(0..<2000) + SyntheticLogs.keyVaultLines(100_000..<101_000)).utf8).withUnsafeBytes {
            RecordDecoder().decodeDocument($0, origin: Origin(input: "http:test", offset: nil), into: &batch)
        }
        let outcome = try await writer.write(batch, idempotency: nil).outcome
        #expect(outcome?.accepted == 3000)
        let reader = try SQLiteConnection(path: path, readOnly: true)
        let deadline = Date().addingTimeInterval(20)
        while try reader.scalar("SELECT count(*) FROM event_rows") != 1000, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        writer.stop()
        #expect(try reader.scalar("SELECT count(*) FROM event_rows") == 1000)
        #expect(try reader.scalar("SELECT min(time) FROM event_rows") == Timestamp(parsing: "2026-11-20T10:01:40Z")!.microseconds)
    }
}
