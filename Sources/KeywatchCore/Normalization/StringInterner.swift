/// Turns field bytes into entries of a batch's string table, reusing `String` instances for
/// byte sequences that repeat.
///
/// Most log fields take few distinct values — principals, resources, regions, user agents — and
/// making a `String` of more than 15 bytes allocates. A ``ProbeTable`` of recent values,
/// keyed by a hash of the bytes and checked byte for byte against a copy in its own arena, turns
/// those allocations into lookups, and remembers where each value sits in the current batch's
/// table so that a batch holds each value once. Memory is bounded: the table is emptied when it
/// or its arena fills.
///
/// An interner belongs to one normalizer on one thread. It is a class over manually managed
/// storage so that the hot path pays for neither copy-on-write nor exclusivity checks.
public final class StringInterner {
    /// A value kept, by its position in ``entries``.
    private struct Entry {
        /// ``ContentHash`` of the value.
        var hash: UInt64
        /// The batch string table the value was last added to, and its index there.
        var table: UInt64
        var index: UInt32
        /// The value's bytes in the arena.
        var offset: UInt32
        var length: Int
    }

    /// Values longer than this rarely repeat and are not kept.
    static let maximumLength = 512

    /// Per bucket, the ``HashTag`` of an entry.
    @exclusivity(unchecked) private var tags: ProbeTable<UInt64>
    private let tag: HashTag
    private let entries: UnsafeMutablePointer<Entry>
    /// The `String` of each entry, made on first use.
    private let strings: UnsafeMutablePointer<String?>
    /// Entries kept before the table is emptied: three quarters of its buckets.
    private let entryCapacity: Int
    private var used = 0
    /// ``ContentHash/seed``, kept at hand: a static is read through a once-check.
    private let seed = ContentHash.seed
    private let arena: UnsafeMutableRawPointer
    private let arenaCapacity: Int
    private var arenaUsed = 0

    /// - Parameter capacity: buckets in the table (rounded up to a power of two).
    public init(capacity: Int = 1 << 14) {
        tags = ProbeTable(size: capacity)
        entryCapacity = tags.size * 3 / 4
        tag = HashTag(entries: entryCapacity)
        entries = .allocate(capacity: entryCapacity)
        strings = .allocate(capacity: entryCapacity)
        strings.initialize(repeating: nil, count: entryCapacity)
        arenaCapacity = tags.size * 64
        arena = .allocate(byteCount: arenaCapacity, alignment: 8)
    }

    deinit {
        entries.deallocate()
        strings.deinitialize(count: entryCapacity)
        strings.deallocate()
        arena.deallocate()
    }

    /// The index in `batch`'s string table of the (valid UTF-8) `bytes`; ``StringIndex/none`` when empty.
    @inline(__always)
    public func index(of bytes: UnsafeRawBufferPointer, in batch: inout EventBatch) -> StringIndex {
        if bytes.isEmpty { return .none }
        if bytes.count > Self.maximumLength {
            return batch.appendString(String(decoding: bytes, as: UTF8.self))
        }
        let entry = entries + find(bytes)
        if entry.pointee.table != batch.stringTableID {
            entry.pointee.table = batch.stringTableID
            entry.pointee.index = batch.appendString(string(at: entry - entries), hash: entry.pointee.hash).rawValue
        }
        return StringIndex(rawValue: entry.pointee.index)
    }

    /// The index in `batch`'s string table of `string`; ``StringIndex/none`` when nil or empty.
    public func index(of string: String?, in batch: inout EventBatch) -> StringIndex {
        guard var string, !string.isEmpty else { return .none }
        return string.withUTF8 { index(of: UnsafeRawBufferPointer($0), in: &batch) }
    }

    /// The string for `bytes` (valid UTF-8), shared with earlier calls for the same bytes.
    public func string(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.count > Self.maximumLength { return String(decoding: bytes, as: UTF8.self) }
        return string(at: find(bytes))
    }

    @inline(__always)
    private func string(at position: Int) -> String {
        if let string = strings[position] { return string }
        let entry = entries[position]
        let string = String(decoding: UnsafeRawBufferPointer(start: arena + Int(entry.offset), count: entry.length), as: UTF8.self)
        strings[position] = string
        return string
    }

    /// The position of the entry holding `bytes`, added on a miss.
    @inline(__always)
    private func find(_ bytes: UnsafeRawBufferPointer) -> Int {
        let hash = ContentHash.hash(bytes, seed: seed) | 1
        let count = bytes.count
        let base = bytes.baseAddress!
        let entries = entries, tag = tag, arena = arena
        let found = tags.probe(from: Int(truncatingIfNeeded: hash)) { word in
            guard tag.mayHold(word, hash) else { return false }
            let entry = entries + tag.position(word)
            return entry.pointee.length == count && ByteScan.equal(arena + Int(entry.pointee.offset), base, count)
        }
        if found.found { return tag.position(tags[found.bucket]) }
        return insert(bytes, hash: hash, at: found.bucket)
    }

    private func insert(_ bytes: UnsafeRawBufferPointer, hash: UInt64, at free: Int) -> Int {
        var bucket = free
        if used >= entryCapacity || arenaUsed + bytes.count > arenaCapacity {
            tags.removeAll()
            strings.update(repeating: nil, count: used)
            used = 0
            arenaUsed = 0
            bucket = tags.probe(from: Int(truncatingIfNeeded: hash)) { _ in false }.bucket
        }
        (arena + arenaUsed).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        (entries + used).initialize(to: Entry(hash: hash, table: 0, index: 0, offset: UInt32(arenaUsed), length: bytes.count))
        tags.fill(bucket, with: tag.tag(hash, position: used))
        arenaUsed += bytes.count
        used += 1
        return used - 1
    }
}

extension JSONValue {
    /// The index of this string in `batch`'s string table; ``StringIndex/none`` unless a non-empty string.
    @inline(__always)
    func index(in batch: inout EventBatch, _ interner: StringInterner) -> StringIndex {
        let node = node
        guard node.kind == .string, node.end > node.start else { return .none }
        if node.escaped {
            var decoded: [UInt8] = []
            JSONEscapes.unescape(rawBytes, into: &decoded)
            return decoded.withUnsafeBytes { interner.index(of: $0, in: &batch) }
        }
        return interner.index(of: rawBytes, in: &batch)
    }

    /// The string, reusing an earlier instance for the same bytes; nil unless a non-empty string.
    func internedString(_ interner: StringInterner) -> String? {
        let node = node
        guard node.kind == .string, node.end > node.start else { return nil }
        if node.escaped { return string }
        return interner.string(rawBytes)
    }
}
