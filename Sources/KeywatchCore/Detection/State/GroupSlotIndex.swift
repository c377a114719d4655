/// Finds a group's slot in a ``GroupTable`` by its id: a ``ProbeTable`` of slot numbers.
///
/// A `Dictionary<GroupID, UInt32>` keeps a million groups in 2²¹ buckets of twenty bytes,
/// 42 MB, and twice that while it grows. Here a bucket is four bytes — the slot plus one, zero
/// for empty — and the id it stands for is read from the table's own pages: 8 MB for the same
/// million. Ids are digests of attacker-controlled text, and anyone can compute them, so the
/// bucket is chosen by a keyed mix of both halves with a random key: which ids share a bucket
/// cannot be known from outside the process.
struct GroupSlotIndex: Sendable {
    private var buckets = ProbeTable<UInt32>()
    private let key = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))

    var count: Int { buckets.count }

    /// The slot of `id`, if present. `idAt` reads the id kept at a slot.
    @inline(__always)
    func slot(of id: GroupID, idAt: (UInt32) -> GroupID) -> UInt32? {
        guard count > 0 else { return nil }
        let found = buckets.probe(from: home(of: id)) { idAt($0 &- 1) == id }
        return found.found ? buckets[found.bucket] &- 1 : nil
    }

    /// Adds `slot` for `id`, which must not be present.
    mutating func insert(_ slot: UInt32, for id: GroupID, idAt: (UInt32) -> GroupID) {
        if (count + 1) * 4 > buckets.size * 3 { grow(to: buckets.size * 2, idAt: idAt) }
        buckets.insert(slot &+ 1, home: home(of: id))
    }

    /// Removes `id`; returns its slot, or nil if it was not present.
    mutating func remove(_ id: GroupID, idAt: (UInt32) -> GroupID) -> UInt32? {
        guard count > 0 else { return nil }
        let found = buckets.probe(from: home(of: id)) { idAt($0 &- 1) == id }
        guard found.found else { return nil }
        let removed = buckets[found.bucket] &- 1
        let key = key
        buckets.remove(at: found.bucket) { Self.home(of: idAt($0 &- 1), key: key) }
        return removed
    }

    /// Makes room for `count` entries without growing.
    mutating func reserveCapacity(_ count: Int, idAt: (UInt32) -> GroupID) {
        var size = buckets.size
        while count * 4 > size * 3 { size *= 2 }
        if size > buckets.size { grow(to: size, idAt: idAt) }
    }

    typealias Slots = LazyMapSequence<LazyFilterSequence<[UInt32]>, UInt32>

    /// Every slot in the index, in no particular order.
    var slots: Slots { buckets.occupied.map { $0 &- 1 } }

    @inline(__always)
    private func home(of id: GroupID) -> Int { Self.home(of: id, key: key) }

    @inline(__always)
    private static func home(of id: GroupID, key: (UInt64, UInt64)) -> Int {
        let product = (id.low ^ key.0).multipliedFullWidth(by: id.high ^ key.1)
        return Int(truncatingIfNeeded: product.high ^ product.low)
    }

    private mutating func grow(to size: Int, idAt: (UInt32) -> GroupID) {
        let key = key
        buckets.resize(to: size) { Self.home(of: idAt($0 &- 1), key: key) }
    }
}
