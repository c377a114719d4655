import Testing
@testable import KeywatchCore

/// The shared open-addressing table, with keys kept beside it the way its users keep theirs.
@Suite("Probe table")
struct ProbeTableTests {
    /// A set of keys on a ``ProbeTable``: a bucket holds one more than the key's position in
    /// `keys`, and `home` is the bucket a key hashes to.
    private struct KeySet {
        var table = ProbeTable<UInt32>()
        var keys: [UInt64] = []
        var free: [Int] = []
        let home: (UInt64) -> Int

        func contains(_ key: UInt64) -> Bool {
            let keys = keys
            return table.probe(from: home(key)) { keys[Int($0) - 1] == key }.found
        }

        mutating func insert(_ key: UInt64) {
            if (table.count + 1) * 4 > table.size * 3 {
                let keys = keys, home = home
                table.resize(to: table.size * 2) { home(keys[Int($0) - 1]) }
            }
            let position: Int
            if let reused = free.popLast() { keys[reused] = key; position = reused } else { keys.append(key); position = keys.count - 1 }
            let found = table.probe(from: home(key)) { _ in false }
            table.fill(found.bucket, with: UInt32(position + 1))
        }

        mutating func remove(_ key: UInt64) -> Bool {
            let keys = keys, home = home
            let found = table.probe(from: home(key)) { keys[Int($0) - 1] == key }
            guard found.found else { return false }
            free.append(Int(table[found.bucket]) - 1)
            table.remove(at: found.bucket) { home(keys[Int($0) - 1]) }
            return true
        }
    }

    @Test("what is inserted is found, and what is removed is not, across growth")
    func insertFindRemoveAcrossGrowth() {
        var set = KeySet { Int(truncatingIfNeeded: $0 &* 0x9E37_79B9_7F4A_7C15 >> 17) }
        for key in 0..<5_000 as Range<UInt64> { set.insert(key * 7) }
        #expect(set.table.count == 5_000)
        #expect(set.table.size >= 5_000 * 4 / 3)
        #expect((0..<5_000 as Range<UInt64>).allSatisfy { set.contains($0 * 7) })
        #expect(!set.contains(3))
        for key in stride(from: 0, to: 5_000, by: 2) as StrideTo<UInt64> {
            let removed = set.remove(key * 7)
            #expect(removed)
        }
        let removedAbsent = set.remove(14)
        #expect(!removedAbsent)
        #expect(set.table.count == 2_500)
        for key in 0..<5_000 as Range<UInt64> { #expect(set.contains(key * 7) == (key % 2 == 1)) }
    }

    @Test("keys that all share one home are each found, and removing any one shifts the rest back")
    func collidingKeysAndBackwardShift() {
        var set = KeySet { _ in 5 }
        let keys = (1...200 as ClosedRange<UInt64>).map { $0 * 1_000_003 }
        for key in keys { set.insert(key) }
        #expect(keys.allSatisfy(set.contains))
        // Removing from the middle of the run leaves no hole that would end a later probe early.
        for key in keys.enumerated().filter({ $0.offset % 3 == 1 }).map(\.element) {
            let removed = set.remove(key)
            #expect(removed)
        }
        for (offset, key) in keys.enumerated() { #expect(set.contains(key) == (offset % 3 != 1), "key \(offset)") }
        // The run stays packed from its home: the buckets in use are exactly the ones after it.
        let used = (0..<set.table.size).filter { set.table[$0] != 0 }
        #expect(used == Array(5..<(5 + set.table.count)))
    }

    @Test("a run that wraps past the last bucket is shifted back across the wrap")
    func backwardShiftAcrossTheWrap() {
        var set = KeySet { Int(truncatingIfNeeded: $0) }
        // Homes 14, 14, 15, 15 in 16 buckets: the run is 14, 15, 0, 1.
        for key: UInt64 in [14, 30, 15, 31] { set.insert(key) }
        let removed30 = set.remove(30)
        #expect(removed30)
        #expect([14, 15, 31].allSatisfy(set.contains))
        #expect(set.table[0] != 0 && set.table[1] == 0)
        let removed14 = set.remove(14)
        #expect(removed14)
        #expect([15, 31].allSatisfy(set.contains))
        // 15 and 31 stay: each sits at or after its home with no hole between.
        #expect(set.table[14] == 0 && set.table[15] != 0 && set.table[0] != 0)
    }

    @Test("emptying keeps the size and finds nothing")
    func removeAll() {
        var set = KeySet { Int(truncatingIfNeeded: $0) }
        for key in 0..<100 as Range<UInt64> { set.insert(key) }
        let size = set.table.size
        set.table.removeAll()
        #expect(set.table.count == 0 && set.table.size == size)
        #expect(!(0..<100 as Range<UInt64>).contains(where: set.contains))
        #expect(set.table.occupied.isEmpty)
    }

    @Test("a hash tag keeps the hash's high bits and the entry's position")
    func hashTags() {
        let tag = HashTag(entries: 1_000)
        #expect(tag.entryBits == 10)
        let hash: UInt64 = 0xDEAD_BEEF_1234_5678
        let word = tag.tag(hash, position: 999)
        #expect(word != 0 && tag.position(word) == 999)
        #expect(tag.mayHold(word, hash))
        #expect(tag.mayHold(word, hash ^ 0x3FF))
        #expect(!tag.mayHold(word, hash ^ 0x400))
        #expect(tag.position(tag.tag(hash, position: 0)) == 0)
    }
}
