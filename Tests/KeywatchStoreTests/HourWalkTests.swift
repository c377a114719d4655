import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchStore

/// The principal and resource indexes are ordered by hour first; queries through them walk the
/// hours newest first in doubling spans, skipping hours that hold no events.
@Suite("Queries by hour")
struct HourWalkTests {
    @Test("an hour starts where the one before it ends, on both sides of 1970")
    func hourBoundaries() {
        for hour: Int64 in [-3, -1, 0, 1, 2, 498_999] {
            let start = EventHour.start(of: hour)
            #expect(EventHour.of(start) == hour)
            #expect(EventHour.of(start - 1) == hour - 1)
        }
    }

    @Test("spans cover each hour once, newest first, doubling up to the widest")
    func spans() {
        var doubling = HourSpans(oldest: 10, newest: 20_000, doubling: true)
        var covered: [ClosedRange<Int64>] = []
        while let span = doubling.next() { covered.append(span) }
        #expect(covered.first == 20_000...20_000)
        #expect(covered.prefix(4).map(\.count) == [1, 2, 4, 8])
        #expect(zip(covered, covered.dropFirst()).allSatisfy { $0.lowerBound == $1.upperBound + 1 })
        #expect(covered.last?.lowerBound == 10)
        #expect(covered.allSatisfy { $0.count <= HourSpans.widest })
        #expect(covered.contains { $0.count == HourSpans.widest })

        var whole = HourSpans(oldest: 10, newest: 20_000, doubling: false)
        #expect(whole.next() == 10...20_000)
        #expect(whole.next() == nil)

        var skipping = HourSpans(oldest: 0, newest: 100, doubling: true)
        #expect(skipping.next() == 100...100)
        skipping.skip(to: 40)
        #expect(skipping.next() == 39...40)
        skipping.skip(to: 60)  // never back to hours already passed
        #expect(skipping.next() == 35...38)
    }

    @Test("principal and resource queries return what a scan of every event returns")
    func sameAsScan() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let store = try EventStore(path: path)
        // 1,500 events over ten months: most in the last five days, some spread thinly before,
        // so a walk meets dense hours, empty hours and gaps of weeks. Written out of order.
        var random = SplitMix64(seed: 7)
        let end = Timestamp(parsing: "2026-11-20T00:00:00Z")!.microseconds
        let principals = ["1b7c0b8e-0000-4000-8000-00000000000a", "1b7c0b8e-0000-4000-8000-00000000000b",
                          "1b7c0b8e-0000-4000-8000-00000000000c"]
        var lines: [String] = []
        for index in 0..<1_500 {
            let dense = Int.random(in: 0..<5, using: &random) > 0
            let before = dense ? Int.random(in: 0..<5 * 86_400, using: &random) : Int.random(in: 0..<300 * 86_400, using: &random)
            let time = Timestamp(microseconds: end - Int64(before) * 1_000_000 - Int64(index))
            let principal = principals[[0, 0, 0, 0, 0, 0, 1, 1, 1, 2][Int.random(in: 0..<10, using: &random)]]
            lines.append(keyVaultRecord(time: time.rfc3339, principal: principal, secret: "s-\(Int.random(in: 0..<4, using: &random))"))
        }
        for part in 0..<3 {
            let slice = lines.enumerated().filter { $0.offset % 3 == part }.map(\.element)
            try store.write(PreparedBatch(batch: batch(slice.joined(separator: "\n")), compressor: RawBlockCompressor()))
        }

        let reader = try EventReader(path: path)
        let all = try reader.events(matching: EventFilter())
        #expect(all.count == 1_500)
        let resources = Set(all.compactMap(\.resource)).sorted()
        #expect(resources.count == 4)
        let middle = all[all.count / 2].time
        let windows: [(since: Timestamp?, until: Timestamp?)] = [
            (nil, nil), (middle, nil), (nil, middle),
            (all[100].time, all[1_200].time), (Timestamp(microseconds: end + 1), nil),
        ]
        var compared = 0
        for (principal, resource) in [(principals[0], nil), (principals[2], nil), ("*000000000b", nil), ("nobody", nil),
                                      (nil, resources[1]), (nil, "*s-3"), (principals[2], resources[0])] {
            for window in windows {
                for limit in [nil, 1, 3, 40, 400, 5_000] as [Int?] {
                    var filter = EventFilter()
                    filter.principals = principal.map { [$0] } ?? []
                    filter.resources = resource.map { [$0] } ?? []
                    filter.since = window.since
                    filter.until = window.until
                    filter.limit = limit
                    let matching = all.filter { event in
                        (principal.map { wanted in Self.matches(event.principal, wanted) } ?? true)
                            && (resource.map { wanted in Self.matches(event.resource, wanted) } ?? true)
                            && (window.since.map { event.time >= $0 } ?? true)
                            && (window.until.map { event.time < $0 } ?? true)
                    }
                    let expected = limit.map { Array(matching.suffix($0)) } ?? matching
                    let found = try reader.events(matching: filter)
                    let same = found.map(\.key) == expected.map(\.key)
                    #expect(same, "\(filter): \(found.count) events, expected \(expected.count)")
                    compared += expected.count
                }
            }
        }
        #expect(compared > 10_000)
    }

    @Test("a principal with outcomes to filter still reads the principal index")
    func principalIndexWins() throws {
        let store = try SampleStore()
        let plan = try store.plan { $0.principals = ["x"]; $0.outcomes = [.denied] }
        #expect(plan.contains("event_rows_by_principal"), "\(plan)")
    }

    @Test("a store of the schema before them gets the hour-ordered indexes when opened, and says so first")
    func migration() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        // The schema before version 6, which ordered these indexes by hour.
        _ = try storeOfSchema(5, at: path)
        let indexSQL = "SELECT sql FROM sqlite_master WHERE name = 'event_rows_by_principal'"
        #expect(try ReadOnlySQL(path: path).run(indexSQL).rows == [[.text("CREATE INDEX event_rows_by_principal ON event_rows(principal, time)")]])
        let upgrades = Upgrades()
        var options = StoreOptions()
        options.onUpgrade = { upgrades.record($0, $1) }
        _ = try EventStore(path: path, options: options)
        let migrated = try ReadOnlySQL(path: path).run(indexSQL).rows
        #expect(migrated == [[.text("CREATE INDEX event_rows_by_principal ON event_rows(time / 3600000000, principal, time)")]])
        _ = try EventStore(path: path, options: options)
        _ = try EventStore(path: directory.path("new.db"), options: options)
        let latest = EventStore.schemaVersion
        #expect(upgrades.seen.map { [$0.from, $0.to] } == [[5, latest]], "told once, for the old store only")
    }

    /// Schema upgrades a store announced.
    final class Upgrades: @unchecked Sendable {
        private let lock = NSLock()
        private var all: [(from: Int, to: Int)] = []
        var seen: [(from: Int, to: Int)] { lock.withLock { all } }
        func record(_ from: Int, _ to: Int) { lock.withLock { all.append((from, to)) } }
    }

    private static func matches(_ value: String?, _ wanted: String) -> Bool {
        guard let value else { return false }
        return wanted.hasPrefix("*") ? value.hasSuffix(wanted.dropFirst()) : value == wanted
    }
}
