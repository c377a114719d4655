/// Finds a group's slot in a ``GroupTable`` by its id: an open-addressing hash table of slot
/// numbers (linear probing, backward-shift deletion, so no tombstones build up).
///
/// A `Dictionary<GroupID, UInt32>` keeps a million groups in 2²¹ buckets of twenty bytes,
/// 42 MB, and twice that while it grows. Here a bucket is four bytes — the slot plus one, zero
/// for empty — and the id it stands for is read from the table's own pages: 8 MB for the same
/// million. Ids are digests of attacker-controlled text, and anyone can compute them, so the
/// bucket is chosen by a keyed mix of both halves with a random key: which ids share a bucket
/// cannot be known from outside the process.
struct GroupSlotIndex: Sendable {
    private var buckets: [UInt32] = []
    private var mask = -1
    private(set) var count = 0
    private let key = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))

    /// The slot of `id`, if present. `idAt` reads the id kept at a slot.
    @inline(__always)
    func slot(of id: GroupID, idAt: (UInt32) -> GroupID) -> UInt32? {
        bucket(of: id, idAt: idAt).map { buckets[$0] &- 1 }
    }

    /// The bucket holding `id`'s slot, if present.
    @inline(__always)
    private func bucket(of id: GroupID, idAt: (UInt32) -> GroupID) -> Int? {
        guard count > 0 else { return nil }
        var bucket = home(of: id)
        while true {
            let entry = buckets[bucket]
            if entry == 0 { return nil }
            if idAt(entry &- 1) == id { return bucket }
            bucket = (bucket &+ 1) & mask
        }
    }

    /// Adds `slot` for `id`, which must not be present.
    mutating func insert(_ slot: UInt32, for id: GroupID, idAt: (UInt32) -> GroupID) {
        if (count + 1) * 4 > buckets.count * 3 { grow(to: max(16, buckets.count * 2), idAt: idAt) }
        place(slot, home: home(of: id))
        count += 1
    }

    /// Removes `id`; returns its slot, or nil if it was not present.
    mutating func remove(_ id: GroupID, idAt: (UInt32) -> GroupID) -> UInt32? {
        guard var hole = bucket(of: id, idAt: idAt) else { return nil }
        let removed = buckets[hole] &- 1
        // Shift back the entries after the hole that may sit there: those whose home is not
        // between the hole and where they are now.
        var next = (hole &+ 1) & mask
        while buckets[next] != 0 {
            let entryHome = home(of: idAt(buckets[next] &- 1))
            if (next &- entryHome) & mask >= (next &- hole) & mask {
                buckets[hole] = buckets[next]
                hole = next
            }
            next = (next &+ 1) & mask
        }
        buckets[hole] = 0
        count -= 1
        return removed
    }

    /// Makes room for `count` entries without growing.
    mutating func reserveCapacity(_ count: Int, idAt: (UInt32) -> GroupID) {
        var size = max(16, buckets.count)
        while count * 4 > size * 3 { size *= 2 }
        if size > buckets.count { grow(to: size, idAt: idAt) }
    }

    typealias Slots = LazyMapSequence<LazyFilterSequence<[UInt32]>, UInt32>

    /// Every slot in the index, in no particular order.
    var slots: Slots { buckets.lazy.filter { $0 != 0 }.map { $0 &- 1 } }

    @inline(__always)
    private func home(of id: GroupID) -> Int {
        let product = (id.low ^ key.0).multipliedFullWidth(by: id.high ^ key.1)
        return Int(truncatingIfNeeded: product.high ^ product.low) & mask
    }

    private mutating func place(_ slot: UInt32, home: Int) {
        var bucket = home
        while buckets[bucket] != 0 { bucket = (bucket &+ 1) & mask }
        buckets[bucket] = slot &+ 1
    }

    private mutating func grow(to size: Int, idAt: (UInt32) -> GroupID) {
        let old = buckets
        buckets = Array(repeating: 0, count: size)
        mask = size - 1
        for entry in old where entry != 0 {
            place(entry &- 1, home: home(of: idAt(entry &- 1)))
        }
    }
}
