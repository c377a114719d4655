import Foundation
import KeywatchCore
import KeywatchTestSupport
import Testing
@testable import KeywatchStore

@Suite("Retention")
struct RetentionTests {
    @Test("events older than the cutoff go, in slices, with the raw blocks they alone used; newer ones stay readable")
    func deletesOldEventsInSlices() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        // Five batches, one per second of event time from 10:00:00: records 1000·i ..< 1000·(i+1).
        for second in 0..<5 {
            let lines = SyntheticLogs.keyVaultLines((second * 1000)..<((second + 1) * 1000))
            try store.write(PreparedBatch(batch: batch(lines, input: "file:\(second)"), compressor: RawBlockCompressor()))
        }
        let cutoff = try #require(Timestamp(parsing: "2026-11-20T10:00:03Z"))
        var slices: [RetentionResult] = []
        repeat {
            slices.append(try store.transaction { () throws(StoreError) in try store.deleteEvents(before: cutoff, limit: 700) })
        } while slices.last!.more && slices.count < 20
        #expect(slices.count == 5)  // 700, 700, 700, 700, 200
        #expect(slices.map(\.events).reduce(0, +) == 3000)
        #expect(slices.map(\.rawBlocks).reduce(0, +) == 3)
        #expect(slices.dropLast().allSatisfy { $0.events <= 700 })

        let reader = try EventReader(path: directory.path("k.db"))
        var filter = EventFilter()
        filter.limit = nil
        let left = try reader.events(matching: filter)
        #expect(left.count == 2000)
        #expect(left.allSatisfy { !($0.time < cutoff) })
        // Their original records are still there.
        var raws = 0
        try reader.events(matching: filter, includeRaw: true) { _, raw in if raw?.isEmpty == false { raws += 1 } }
        #expect(raws == 2000)
        // Nothing more to do.
        #expect(try store.transaction { () throws(StoreError) in try store.deleteEvents(before: cutoff) } == RetentionResult())
    }

    @Test("the newest raw block outlives its events, so the next block never takes its number again")
    func blockNumbersAreNotReused() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        for second in 0..<2 {
            let lines = SyntheticLogs.keyVaultLines((second * 10)..<((second + 1) * 10))
            try store.write(PreparedBatch(batch: batch(lines, input: "file:\(second)"), compressor: RawBlockCompressor()))
        }
        let newest = try #require(try store.connection.scalar("SELECT max(id) FROM raw_blocks"))
        let everything = try #require(Timestamp(parsing: "2026-11-21T00:00:00Z"))
        let result = try store.transaction { () throws(StoreError) in try store.deleteEvents(before: everything) }
        #expect(result.events == 20 && result.rawBlocks == 1)
        let next = try store.write(PreparedBatch(batch: batch(SyntheticLogs.keyVaultLines(20..<30), input: "file:2"), compressor: RawBlockCompressor()))
        #expect(next.block == newest + 1)
    }
}
