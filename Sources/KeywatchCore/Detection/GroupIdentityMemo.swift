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
    }

    /// Where ``Bucket/first`` sits in a bucket, to read its bits without retaining it.
    private static let firstOffset = MemoryLayout<Bucket>.offset(of: \Bucket.first)!

    /// Whether the group at `bucket` has `values`. Reads the bucket in place: a copy of it, or of
    /// its first value, would retain and release.
    private static func holds<Values: GroupValueReader>(_ bucket: UnsafeMutablePointer<Bucket>, _ values: Values) -> Bool {
        let count = bucket.pointee.count
        guard count == values.count else { return false }
        guard count > 0 else { return true }
        let firstBits = UnsafeRawPointer(bucket).load(fromByteOffset: firstOffset, as: (UInt64, UInt64).self)
        guard values.isInstance(firstBits, at: 0) || values.matches(bucket.pointee.first, at: 0) else { return false }
        for position in 1..<count where !values.matches(bucket.pointee.rest[position - 1], at: position) { return false }
        return true
    }

    /// Manually managed, so that a probe reads a bucket in place: an array's element was copied,
    /// its strings retained and released, to be compared.
    private let buckets: UnsafeMutablePointer<Bucket>
    private let mask: Int
    @exclusivity(unchecked) private(set) var count = 0

    /// - Parameter capacity: groups held before the memo is emptied.
    init(capacity: Int = 1 << 16) {
        self.capacity = max(1, capacity)
        var size = 16
        while size < self.capacity * 2 { size <<= 1 }
        mask = size - 1
        buckets = .allocate(capacity: size)
        buckets.initialize(repeating: Bucket(), count: size)
    }

    deinit {
        buckets.deinitialize(count: mask + 1)
        buckets.deallocate()
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
        var index = Int(truncatingIfNeeded: hash) & mask
        while buckets[index].hash != 0 {
            if buckets[index].hash == hash, Self.holds(buckets + index, values) { return buckets[index].id }
            index = (index + 1) & mask
        }
        let texts = (0..<count).map(values.text(at:))
        let id = GroupKey.id(GroupKey.make(texts))
        if self.count >= capacity {
            buckets.update(repeating: Bucket(), count: mask + 1)
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
    /// Whether the value at `position` is held by the `String` whose bits (its 16 bytes) are
    /// `bits` — the same instance, so the same value. False says nothing: ask ``matches(_:at:)``.
    func isInstance(_ bits: (UInt64, UInt64), at position: Int) -> Bool
    /// Whether `remembered` is the value at `position`.
    func matches(_ remembered: String, at position: Int) -> Bool
    func text(at position: Int) -> String
}

/// Values at hand as an array.
struct GroupValueArray: GroupValueReader {
    let values: [String]

    var count: Int { values.count }
    func contentHash(at position: Int) -> UInt64 { StringInterner.contentHash(of: values[position]) }
    func isInstance(_ bits: (UInt64, UInt64), at position: Int) -> Bool { false }
    func matches(_ remembered: String, at position: Int) -> Bool { remembered == values[position] }
    func text(at position: Int) -> String { values[position] }
}
