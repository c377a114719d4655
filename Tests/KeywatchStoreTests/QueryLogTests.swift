import Foundation
import Testing
import KeywatchCore
import KeywatchTestSupport
@testable import KeywatchStore

/// A long read beside a writer: its snapshot keeps the writer from restarting the write-ahead
/// log, which then grows for as long as the read lasts. Live, the read is stopped once the log
/// has grown past its budget; on a private copy, it holds nothing of the writer's.
@Suite("Read-only SQL beside a writer")
struct QueryLogTests {
    /// A store with events, and its writer.
    let directory = TemporaryDirectory()
    var path: String { directory.path("k.db") }
    let writer: EventStore
    /// Events written so far (each number a distinct record).
    final class Counter { var next = 0 }
    let counter = Counter()

    init() throws {
        writer = try EventStore(path: directory.path("k.db"))
        try write(events: 500)
    }

    func write(events: Int) throws {
        let lines = SyntheticLogs.keyVaultLines(counter.next..<(counter.next + events))
        counter.next += events
        try writer.write(PreparedBatch(batch: batch(lines), compressor: RawBlockCompressor()))
    }

    /// A passive checkpoint now: the frames in the log, and how many of them it could copy.
    func checkpoint() throws -> (log: Int64, copied: Int64) {
        let statement = try writer.connection.prepare("PRAGMA wal_checkpoint(PASSIVE)")
        #expect(try statement.step())
        return (statement.int64(1), statement.int64(2))
    }

    /// Rows of an endless statement that holds a snapshot of the store.
    static let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, (SELECT count(*) FROM event_rows) FROM c"

    @Test("live: a statement is stopped once the log it pins has grown past the budget, and says to use --copy")
    func liveStatementIsStopped() throws {
        let limits = ReadOnlySQL.Limits(timeout: .seconds(300), maximumLogGrowth: 1 << 20)
        let sql = try ReadOnlySQL(path: path, limits: limits)
        let started = Date()
        var pinned = false
        do {
            try sql.run(Self.endless) { row in
                guard case .integer(let x) = row[0], x % 200 == 0 else { return }
                try write(events: 500)
                let frames = try checkpoint()
                if frames.copied < frames.log { pinned = true }
                if Date().timeIntervalSince(started) > 120 { throw CancellationError() }
            }
            Issue.record("an endless statement ended")
        } catch {
            #expect("\(error)".contains("write-ahead log grew by"), "\(error)")
            #expect("\(error)".contains("--copy"), "\(error)")
        }
        #expect(pinned, "the live statement's snapshot kept the checkpoint from copying the whole log")
    }

    @Test("--copy: the statement reads a copy as of its start, and every checkpoint beside it copies the whole log")
    func copyHoldsNothing() throws {
        let sql = try ReadOnlySQL(path: path, limits: ReadOnlySQL.Limits(maximumLogGrowth: 1 << 20), copy: true)
        var counts: Set<Int64> = []
        var writes = 0
        try sql.run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT x, (SELECT count(*) FROM event_rows) FROM c") { row in
            guard case .integer(let x) = row[0], case .integer(let count) = row[1] else { return }
            counts.insert(count)
            guard x % 100 == 0 else { return }
            try write(events: 500)
            writes += 1
            let frames = try checkpoint()
            #expect(frames.copied == frames.log, "a checkpoint copied \(frames.copied) of \(frames.log) frames")
        }
        #expect(writes == 20)
        #expect(counts == [500])
        #expect(try ReadOnlySQL(path: path).run("SELECT count(*) FROM event_rows").rows == [[.integer(10_500)]])
    }
}
