import Testing
import KeywatchTestSupport
@testable import KeywatchCore

/// The per-batch cache of group identities: a look-up must find exactly the identity made for
/// the same numbers in the same batch, across growth, and nothing from an earlier batch.
@Suite("Batch group cache")
struct BatchGroupCacheTests {
    @Test("each distinct set of numbers is made once per batch, and found again across the table's growth")
    func makesEachGroupOncePerBatch() {
        let cache = BatchGroupCache(capacity: 16)
        var made = 0
        var random = SplitMix64(seed: 7)
        // Numbers differing in one field only, in the top bit, or in their order must stay apart.
        let keys = (0..<5_000).map { n -> BatchGroupCache.FieldNumbers in
            let value = UInt32(n)
            switch n % 4 {
            case 0: return .init(a: value)
            case 1: return .init(a: 0, b: value)
            case 2: return .init(a: 0x8000_0000 | value, b: 1)
            default: return .init(a: 1, b: 0x8000_0000 | value, c: value, d: 3)
            }
        }
        var drawn = Set<Int>()
        for _ in 0..<20_000 {
            let position = Int(random.next() % UInt64(keys.count))
            drawn.insert(position)
            if let found = cache.id(of: keys[position], batch: 1) {
                #expect(found == GroupKey.id("group-\(position)"))
            } else {
                made += 1
                cache.insert(GroupKey.id("group-\(position)"), for: keys[position])
            }
        }
        #expect(made == drawn.count)
        // Every key once more: all are cached now, whatever the table grew to.
        var missing = 0
        for (position, key) in keys.enumerated() {
            if let found = cache.id(of: key, batch: 1) {
                #expect(found == GroupKey.id("group-\(position)"))
            } else {
                missing += 1
            }
        }
        #expect(made + missing == keys.count)
    }

    @Test("a new batch forgets the last one's groups: string indices mean other values there")
    func forgetsGroupsOfAnEarlierBatch() {
        let cache = BatchGroupCache()
        let numbers = BatchGroupCache.FieldNumbers(a: 5, b: 9)
        func id(batch: UInt64, make name: String) -> GroupID {
            if let found = cache.id(of: numbers, batch: batch) { return found }
            cache.insert(GroupKey.id(name), for: numbers)
            return GroupKey.id(name)
        }
        #expect(id(batch: 1, make: "alice") == GroupKey.id("alice"))
        #expect(id(batch: 1, make: "not made") == GroupKey.id("alice"))
        #expect(id(batch: 2, make: "bob") == GroupKey.id("bob"))
        #expect(id(batch: 2, make: "not made") == GroupKey.id("bob"))
    }
}
