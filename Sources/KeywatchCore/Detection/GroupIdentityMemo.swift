/// Group identities (``GroupKey/id(_:)``) remembered across batches.
///
/// The per-batch cache (``BatchGroupCache``) forgets its groups with each batch, yet the same
/// principals come back batch after batch, and making a group's identity again costs a key and a
/// SHA-256 — a third of detection's time on the bench corpus. Here the values are found by a
/// fast hash of their bytes and confirmed by comparing them: a few dozen instructions a value
/// instead of a digest. The hash has a secret seed per process, so log writers cannot choose
/// values that all fall in one bucket; a collision costs a comparison, never a wrong identity.
///
/// Bounded: emptied when it holds ``capacity`` groups. One memo serves all of an engine's rules,
/// as a group's identity depends on its values alone. Used by the engine's thread only, never
/// reentrantly (hence no exclusivity checks).
final class GroupIdentityMemo {
    let capacity: Int

    /// A remembered group: the hash of its values (0 for an empty bucket), its identity, and its
    /// values — the first inline, so that a probe for a one-value group, the common kind, reads
    /// one place in memory (and a `String` compared with the same instance reads no more).
    private struct Bucket {
        var hash: UInt64 = 0
        var count = 0
        var id = GroupID(high: 0, low: 0)
        var first = ""
        var rest: [String] = []

        func holds(_ count: Int, _ value: (Int) -> String) -> Bool {
            guard self.count == count, count == 0 || first == value(0) else { return false }
            for position in 1..<max(1, count) where rest[position - 1] != value(position) { return false }
            return true
        }
    }

    @exclusivity(unchecked) private var buckets: [Bucket]
    @exclusivity(unchecked) private(set) var count = 0
    private let seed = UInt64.random(in: 1...UInt64.max)

    /// - Parameter capacity: groups held before the memo is emptied.
    init(capacity: Int = 1 << 16) {
        self.capacity = max(1, capacity)
        var size = 16
        while size < self.capacity * 2 { size <<= 1 }
        buckets = Array(repeating: Bucket(), count: size)
    }

    /// The identity of the group of `values`.
    func id(of values: [String]) -> GroupID {
        id(count: values.count) { values[$0] }
    }

    /// The identity of the group of the `count` values `value(0)`, `value(1)`…: remembered, or
    /// made now with ``GroupKey`` and remembered.
    func id(count: Int, value: (Int) -> String) -> GroupID {
        var hash = seed ^ UInt64(count)
        for position in 0..<count { hash = Self.hash(value(position), into: hash) }
        hash |= 1
        let mask = buckets.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while buckets[index].hash != 0 {
            if buckets[index].hash == hash, buckets[index].holds(count, value) { return buckets[index].id }
            index = (index + 1) & mask
        }
        let values = (0..<count).map(value)
        let id = GroupKey.id(GroupKey.make(values))
        if self.count >= capacity {
            for bucket in buckets.indices { buckets[bucket] = Bucket() }
            self.count = 0
            index = Int(truncatingIfNeeded: hash) & mask
        }
        buckets[index] = Bucket(hash: hash, count: count, id: id, first: values.first ?? "", rest: Array(values.dropFirst()))
        self.count += 1
        return id
    }

    /// Adds a value's bytes and length to `hash`, so that `["ab"]` and `["a", "b"]` differ.
    private static func hash(_ value: String, into hash: UInt64) -> UInt64 {
        var value = value
        return value.withUTF8 { bytes in
            bytes.isEmpty
                ? (hash ^ 0x9E37_79B9_7F4A_7C15) &* 0xFF51_AFD7_ED55_8CCD
                : StringInterner.hash(UnsafeRawBufferPointer(bytes), seed: hash ^ UInt64(bytes.count))
        }
    }
}
