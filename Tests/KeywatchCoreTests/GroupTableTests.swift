import Testing
import KeywatchTestSupport
@testable import KeywatchCore

/// The containers a million live groups sit in: the table and its index, and a group's windows.
@Suite("Group table")
struct GroupTableTests {
    @Test("inserts, lookups and removals in any order agree with a dictionary, across growth and backward shifts")
    func agreesWithDictionary() {
        var random = SplitMix64(seed: 42)
        var table = GroupTable()
        var model: [GroupID: Int64] = [:]
        // Few distinct ids, many operations: removals constantly shift probe chains back.
        let ids = (0..<3_000).map { GroupKey.id("principal-\($0)") }
        for step in 0..<60_000 {
            let id = ids[Int(random.next() % UInt64(ids.count))]
            switch random.next() % 3 {
            case 0, 1:
                table[id] = GroupState(at: Timestamp(microseconds: Int64(step)))
                model[id] = Int64(step)
            default:
                table[id] = nil
                model[id] = nil
            }
        }
        #expect(table.count == model.count)
        for id in ids {
            #expect(table[id]?.newest.microseconds == model[id])
        }
        var iterated: [GroupID: Int64] = [:]
        for (_, id, state) in table { iterated[id] = state.newest.microseconds }
        #expect(iterated == model)
    }

    @Test("a copy of the table is a value: changing one leaves the other as it was")
    func copiesAreIndependent() {
        var table = GroupTable()
        let a = GroupKey.id("a"), b = GroupKey.id("b")
        table[a] = GroupState(at: Timestamp(microseconds: 1))
        let saved = table
        table[a] = nil
        table[b] = GroupState(at: Timestamp(microseconds: 2))
        #expect(saved.count == 1 && saved[a]?.newest.microseconds == 1 && saved[b] == nil)
        #expect(table.count == 1 && table[a] == nil && table[b]?.newest.microseconds == 2)
    }

    @Test("windows stay oldest first whether inserted before, between or after the others, and the first can be removed")
    func windowList() {
        func tally(_ bucket: Int64) -> WindowTally {
            WindowTally(bucket: bucket, count: Int(bucket), first: Timestamp(microseconds: 0), last: Timestamp(microseconds: 0))
        }
        var windows = WindowList()
        #expect(windows.isEmpty && windows.first == nil)
        windows.insert(tally(5), at: 0)
        windows.insert(tally(3), at: 0)
        windows.append(tally(9))
        windows.insert(tally(7), at: 2)
        #expect(windows.map(\.bucket) == [3, 5, 7, 9])
        windows[0].count += 10
        windows[3].evidence.append("ct:last")
        #expect(windows[0].count == 13 && windows[3].evidence == ["ct:last"])
        windows.removeFirst()
        #expect(windows.map(\.bucket) == [5, 7, 9] && windows.count == 3)
        windows.removeFirst()
        windows.removeFirst()
        windows.removeFirst()
        #expect(windows.isEmpty)
        let literal: WindowList = [tally(1), tally(2)]
        #expect(literal.map(\.bucket) == [1, 2])
    }

    @Test("a bucket's window is found in place, or where it would go: before, between and after the others")
    func windowPositions() {
        var windows: WindowList = []
        #expect(windows.position(ofBucket: 4) == (0, false) && windows.oldest == nil)
        for bucket: Int64 in [10, 12, 15] {
            windows.append(WindowTally(bucket: bucket, count: Int(bucket), first: Timestamp(microseconds: 0), last: Timestamp(microseconds: 0)))
        }
        let expected: [(Int64, Int, Bool)] = [(5, 0, false), (10, 0, true), (11, 1, false), (12, 1, true), (13, 2, false),
                                              (15, 2, true), (16, 3, false)]
        for (bucket, position, found) in expected {
            #expect(windows.position(ofBucket: bucket) == (position, found), "bucket \(bucket)")
        }
        #expect(windows.oldest?.bucket == 10 && windows.oldest?.count == 10)
        let fired = windows.update(2) { tally in
            tally.count += 1
            tally.evidence.append("ct:x")
            return tally.fired
        }
        #expect(!fired && windows[2].count == 16 && windows[2].evidence == ["ct:x"])
        // A silence group's rhythm: each newer event counts, is the evidence, and may be the longest gap.
        var rhythm = WindowTally(bucket: 0, count: 1, first: Timestamp(microseconds: 100), last: Timestamp(microseconds: 100),
                                 evidence: ["ct:a"])
        rhythm.follow(at: Timestamp(microseconds: 400), evidence: "ct:b")
        rhythm.follow(at: Timestamp(microseconds: 450), evidence: "ct:c")
        #expect(rhythm.count == 3 && rhythm.evidence == ["ct:c"] && rhythm.first == Timestamp(microseconds: 100)
                && rhythm.last == Timestamp(microseconds: 450) && rhythm.longestGap == EventDuration(microseconds: 300))
    }

    @Test("a group's state stays within 88 bytes (a million live groups), and a window's count saturates rather than wraps")
    func groupStateSize() {
        #expect(MemoryLayout<GroupState>.stride <= 88)
        var window = WindowTally(bucket: 0, count: Int(UInt32.max) - 1, first: Timestamp(microseconds: 0), last: Timestamp(microseconds: 0))
        window.count += 1
        window.count += 1
        #expect(window.count == Int(UInt32.max))
        #expect(WindowTally(bucket: 0, count: 7, first: Timestamp(microseconds: 0), last: Timestamp(microseconds: 0)).count == 7)
    }
}
