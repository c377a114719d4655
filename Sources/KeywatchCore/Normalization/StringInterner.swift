/// Turns field bytes into entries of a batch's string table, reusing `String` instances for
/// byte sequences that repeat.
///
/// Most log fields take few distinct values — principals, resources, regions, user agents — and
/// making a `String` of more than 15 bytes allocates. An open-addressing table of recent values,
/// keyed by a hash of the bytes and checked byte for byte against a copy in its own arena, turns
/// those allocations into lookups, and remembers where each value sits in the current batch's
/// table so that a batch holds each value once. Memory is bounded: the table is emptied when it
/// or its arena fills.
///
/// An interner belongs to one normalizer on one thread. It is a class over manually managed
/// storage so that the hot path pays for neither copy-on-write nor exclusivity checks.
public final class StringInterner {
    private struct Slot {
        /// Hash of the value; 0 marks an empty slot.
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

    private let slots: UnsafeMutablePointer<Slot>
    /// The `String` of each slot, made on first use.
    private let strings: UnsafeMutablePointer<String?>
    private let slotCount: Int
    /// ``ContentHash/seed``, kept at hand: a static is read through a once-check.
    private let seed = ContentHash.seed
    private let mask: Int
    private var used = 0
    private let arena: UnsafeMutableRawPointer
    private let arenaCapacity: Int
    private var arenaUsed = 0

    /// - Parameter capacity: slots in the table (rounded up to a power of two).
    public init(capacity: Int = 1 << 14) {
        var size = 16
        while size < capacity { size <<= 1 }
        slotCount = size
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Slot(hash: 0, table: 0, index: 0, offset: 0, length: 0), count: size)
        strings = .allocate(capacity: size)
        strings.initialize(repeating: nil, count: size)
        arenaCapacity = size * 64
        arena = .allocate(byteCount: arenaCapacity, alignment: 8)
    }

    deinit {
        slots.deallocate()
        strings.deinitialize(count: slotCount)
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
        let slot = find(bytes)
        if slots[slot].table != batch.stringTableID {
            slots[slot].table = batch.stringTableID
            slots[slot].index = batch.appendString(string(at: slot), hash: slots[slot].hash).rawValue
        }
        return StringIndex(rawValue: slots[slot].index)
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
    private func string(at slot: Int) -> String {
        if let string = strings[slot] { return string }
        let value = slots[slot]
        let string = String(decoding: UnsafeRawBufferPointer(start: arena + Int(value.offset), count: value.length), as: UTF8.self)
        strings[slot] = string
        return string
    }

    /// The slot holding `bytes`, filled on a miss.
    @inline(__always)
    private func find(_ bytes: UnsafeRawBufferPointer) -> Int {
        let hash = ContentHash.hash(bytes, seed: seed) | 1
        let count = bytes.count
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[index]
            if slot.hash == 0 { break }
            if slot.hash == hash, slot.length == count, Self.equal(arena + Int(slot.offset), bytes.baseAddress!, count) {
                return index
            }
            index = (index + 1) & mask
        }
        return insert(bytes, hash: hash, at: index)
    }

    private func insert(_ bytes: UnsafeRawBufferPointer, hash: UInt64, at free: Int) -> Int {
        var index = free
        if used * 4 >= slotCount * 3 || arenaUsed + bytes.count > arenaCapacity {
            slots.update(repeating: Slot(hash: 0, table: 0, index: 0, offset: 0, length: 0), count: slotCount)
            strings.update(repeating: nil, count: slotCount)
            used = 0
            arenaUsed = 0
            index = Int(truncatingIfNeeded: hash) & mask
        }
        (arena + arenaUsed).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        slots[index] = Slot(hash: hash, table: 0, index: 0, offset: UInt32(arenaUsed), length: bytes.count)
        strings[index] = nil
        arenaUsed += bytes.count
        used += 1
        return index
    }

    @inline(__always)
    private static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        if count >= 8 {
            var i = 0
            while i + 8 <= count {
                if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                    return false
                }
                i += 8
            }
            return i == count
                || a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        for i in 0..<count where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
            return false
        }
        return true
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
