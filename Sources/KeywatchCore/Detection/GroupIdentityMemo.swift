/// Group identities (``GroupKey/id(_:)``) remembered across batches.
///
/// The per-batch cache (``BatchGroupCache``) forgets its groups with each batch, yet the same
/// principals come back batch after batch, and making a group's identity again costs a key and a
/// SHA-256 — a third of detection's time on the bench corpus. Here a group is found by the
/// content hashes of its values (``StringInterner/contentHash(_:)``, which the decoder's interner
/// already computed) and confirmed by comparing the values — by `String` instance when the
/// interner handed out the same one, which reads no text. The hashes have a secret seed per
/// process, so log writers cannot choose values that all fall in one bucket; a collision costs
/// a comparison, never a wrong identity.
///
/// Bounded: emptied when it holds ``capacity`` groups. One memo serves all of an engine's rules,
/// as a group's identity depends on its values alone. Used by the engine's thread only, never
/// reentrantly (hence no exclusivity checks).
final class GroupIdentityMemo {
    let capacity: Int

    /// A remembered group: the hash of its values (0 for an empty bucket), its identity, and its
    /// values — the first inline, so that a probe for a one-value group, the common kind, reads
    /// one place in memory (and a value held by the same `String` instance reads no more).
    private struct Bucket {
        var hash: UInt64 = 0
        var count = 0
        var id = GroupID(high: 0, low: 0)
        var first = ""
        var rest: [String] = []

        func holds<Values: GroupValueReader>(_ values: Values) -> Bool {
            guard count == values.count, count == 0 || values.matches(first, at: 0) else { return false }
            for position in 1..<max(1, count) where !values.matches(rest[position - 1], at: position) { return false }
            return true
        }
    }

    @exclusivity(unchecked) private var buckets: [Bucket]
    @exclusivity(unchecked) private(set) var count = 0

    /// - Parameter capacity: groups held before the memo is emptied.
    init(capacity: Int = 1 << 16) {
        self.capacity = max(1, capacity)
        var size = 16
        while size < self.capacity * 2 { size <<= 1 }
        buckets = Array(repeating: Bucket(), count: size)
    }

    /// The identity of the group of `values`.
    func id(of values: [String]) -> GroupID {
        id(of: GroupValueArray(values: values))
    }

    /// The identity of the group of `values`: remembered, or made now with ``GroupKey`` and
    /// remembered. The values are put in an array only when the group is new.
    func id<Values: GroupValueReader>(of values: Values) -> GroupID {
        let count = values.count
        var hash = UInt64(count) &* 0x9E37_79B9_7F4A_7C15
        for position in 0..<count {
            // Order matters: ["a", "b"] and ["b", "a"] are different groups.
            hash = (hash ^ values.contentHash(at: position)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
        }
        hash |= 1
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while buckets[index].hash != 0 {
            if buckets[index].hash == hash, buckets[index].holds(values) { return buckets[index].id }
            index = (index + 1) & mask
        }
        let texts = (0..<count).map(values.text(at:))
        let id = GroupKey.id(GroupKey.make(texts))
        if self.count >= capacity {
            for bucket in buckets.indices { buckets[bucket] = Bucket() }
            self.count = 0
            index = Int(truncatingIfNeeded: hash) & mask
        }
        buckets[index] = Bucket(hash: hash, count: count, id: id, first: texts.first ?? "", rest: Array(texts.dropFirst()))
        self.count += 1
        return id
    }
}

/// A group's values as ``GroupIdentityMemo`` reads them: hashes first, the text only to confirm
/// a match or to remember a new group.
protocol GroupValueReader {
    var count: Int { get }
    /// ``StringInterner/contentHash(of:)`` of the value at `position`.
    func contentHash(at position: Int) -> UInt64
    /// Whether `remembered` is the value at `position`.
    func matches(_ remembered: String, at position: Int) -> Bool
    func text(at position: Int) -> String
}

/// Values at hand as an array.
struct GroupValueArray: GroupValueReader {
    let values: [String]

    var count: Int { values.count }
    func contentHash(at position: Int) -> UInt64 { StringInterner.contentHash(of: values[position]) }
    func matches(_ remembered: String, at position: Int) -> Bool { remembered == values[position] }
    func text(at position: Int) -> String { values[position] }
}
