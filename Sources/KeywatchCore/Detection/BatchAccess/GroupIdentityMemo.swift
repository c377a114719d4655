/// Group identities (``GroupKey/id(_:)``) remembered across batches.
///
/// The per-batch cache (``BatchGroupCache``) forgets its groups with each batch, yet the same
/// principals come back batch after batch, and making a group's identity again costs a key and a
/// SHA-256, the dearest step of finding a group. Here a group is found by the
/// content hashes of its values (``ContentHash``, which the decoder's interner
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
    private let identify: (String) -> GroupID

    /// A remembered group: its identity and its values — the first inline, so that confirming a
    /// one-value group, the common kind, reads one place in memory (and a value held by the same
    /// `String` instance reads no more).
    private struct Entry {
        var count: Int
        var id: GroupID
        var first: String
        var rest: [String]
    }

    /// Whether `entry` has `values`. Reads the entry in place: a copy of it, or of its first
    /// value, would retain and release.
    private static func holds<Values: GroupValueReader>(_ entry: UnsafeMutablePointer<Entry>, _ values: Values) -> Bool {
        let count = entry.pointee.count
        guard count == values.count else { return false }
        guard count > 0 else { return true }
        let first = StringInstance.bits(of: entry, at: firstOffset)
        guard values.isInstance(first, at: 0) || values.matches(entry.pointee.first, at: 0) else { return false }
        for position in 1..<count where !values.matches(entry.pointee.rest[position - 1], at: position) { return false }
        return true
    }

    /// Where ``Entry/first`` sits in an entry, to read its bits without retaining it.
    private static let firstOffset = MemoryLayout<Entry>.offset(of: \Entry.first)!

    /// The probed table: per bucket, the group's ``HashTag``. Eight bytes a bucket, so that
    /// probing — most of the memo's work — reads little memory: the entries themselves would
    /// share the processor's last-level cache with SQLite's pages.
    @exclusivity(unchecked) private var tags: ProbeTable<UInt64>
    private let tag: HashTag
    /// The remembered groups, in the order remembered; read only when a tag matches.
    /// Manually managed, so that a confirmation reads an entry in place.
    private let entries: UnsafeMutablePointer<Entry>
    @exclusivity(unchecked) private(set) var count = 0

    /// - Parameter capacity: groups held before the memo is emptied.
    /// - Parameter identify: the identity of a group's key (``GroupKey/make(_:)`` of its values):
    ///   ``GroupKey/id(_:)`` for groups; a `first_seen` rule's keyed digest for its combinations.
    init(capacity: Int = 1 << 16, identify: @escaping (String) -> GroupID = GroupKey.id) {
        self.identify = identify
        self.capacity = max(1, capacity)
        tags = ProbeTable(size: self.capacity * 2)
        tag = HashTag(entries: self.capacity)
        entries = .allocate(capacity: self.capacity)
    }

    deinit {
        entries.deinitialize(count: count)
        entries.deallocate()
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
        let home = Int(truncatingIfNeeded: hash)
        let entries = entries, tag = tag
        var found = tags.probe(from: home) { word in
            tag.mayHold(word, hash) && Self.holds(entries + tag.position(word), values)
        }
        if found.found { return entries[tag.position(tags[found.bucket])].id }
        let texts = (0..<count).map(values.text(at:))
        let id = identify(GroupKey.make(texts))
        if self.count >= capacity {
            tags.removeAll()
            entries.deinitialize(count: self.count)
            self.count = 0
            found = tags.probe(from: home) { _ in false }
        }
        (entries + self.count).initialize(to: Entry(count: count, id: id, first: texts.first ?? "", rest: Array(texts.dropFirst())))
        tags.fill(found.bucket, with: tag.tag(hash, position: self.count))
        self.count += 1
        return id
    }
}

/// A group's values as ``GroupIdentityMemo`` reads them: hashes first, the text only to confirm
/// a match or to remember a new group.
protocol GroupValueReader {
    var count: Int { get }
    /// ``ContentHash`` of the value at `position`.
    func contentHash(at position: Int) -> UInt64
    /// Whether the value at `position` is held by the `String` whose ``StringInstance/Bits`` are
    /// `bits` — the same instance, so the same value. False says nothing: ask ``matches(_:at:)``.
    func isInstance(_ bits: StringInstance.Bits, at position: Int) -> Bool
    /// Whether `remembered` is the value at `position`.
    func matches(_ remembered: String, at position: Int) -> Bool
    func text(at position: Int) -> String
}

/// Values at hand as an array.
struct GroupValueArray: GroupValueReader {
    let values: [String]

    var count: Int { values.count }
    func contentHash(at position: Int) -> UInt64 { ContentHash.of(values[position]) }
    func isInstance(_ bits: StringInstance.Bits, at position: Int) -> Bool { false }
    func matches(_ remembered: String, at position: Int) -> Bool { remembered == values[position] }
    func text(at position: Int) -> String { values[position] }
}
