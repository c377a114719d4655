#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns field bytes into entries of a batch's string table, reusing `String` instances for
/// byte sequences that repeat.
///
/// Most log fields take few distinct values — principals, resources, regions, user agents — and
/// making a `String` of more than 15 bytes allocates. An open-addressing table of recent strings,
/// keyed by a hash of the bytes and checked byte for byte, turns those allocations into lookups,
/// and remembers where each string sits in the current batch's table so a batch holds each value
/// once. Memory is bounded: the table is emptied when it fills.
public struct StringInterner {
    /// Hashes of the stored strings (0 marks an empty slot), beside the strings themselves, the
    /// batch table each was last added to, and its index there.
    private var hashes: [UInt64]
    private var strings: [String]
    private var tables: [UInt64]
    private var indices: [UInt32]
    private var used = 0
    private let mask: Int

    /// - Parameter capacity: slots in the table (rounded up to a power of two).
    public init(capacity: Int = 1 << 14) {
        var size = 16
        while size < capacity { size <<= 1 }
        hashes = Array(repeating: 0, count: size)
        strings = Array(repeating: "", count: size)
        tables = Array(repeating: 0, count: size)
        indices = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// The index in `batch`'s string table of the (valid UTF-8) `bytes`; ``StringIndex/none`` when empty.
    public mutating func index(of bytes: UnsafeRawBufferPointer, in batch: inout EventBatch) -> StringIndex {
        if bytes.isEmpty { return .none }
        if bytes.count > 512 {
            return batch.appendString(String(decoding: bytes, as: UTF8.self))  // long values rarely repeat
        }
        let slot = find(bytes)
        if tables[slot] != batch.stringTableID {
            tables[slot] = batch.stringTableID
            indices[slot] = batch.appendString(strings[slot]).rawValue
        }
        return StringIndex(rawValue: indices[slot])
    }

    /// The index in `batch`'s string table of `string`; ``StringIndex/none`` when nil or empty.
    public mutating func index(of string: String?, in batch: inout EventBatch) -> StringIndex {
        guard var string, !string.isEmpty else { return .none }
        return string.withUTF8 { index(of: UnsafeRawBufferPointer($0), in: &batch) }
    }

    /// The string for `bytes` (valid UTF-8), shared with earlier calls for the same bytes.
    public mutating func string(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.count > 512 { return String(decoding: bytes, as: UTF8.self) }
        return strings[find(bytes)]
    }

    /// The slot holding `bytes`, filled on a miss.
    private mutating func find(_ bytes: UnsafeRawBufferPointer) -> Int {
        let hash = Self.hash(bytes) | 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let stored = hashes[index]
            if stored == 0 { break }
            if stored == hash, Self.equal(strings[index], bytes) { return index }
            index = (index + 1) & mask
        }
        if used * 4 >= hashes.count * 3 {
            for slot in hashes.indices {
                hashes[slot] = 0
                strings[slot] = ""
                tables[slot] = 0
            }
            used = 0
            index = Int(truncatingIfNeeded: hash) & mask
        }
        hashes[index] = hash
        strings[index] = String(decoding: bytes, as: UTF8.self)
        tables[index] = 0
        used += 1
        return index
    }

    @inline(__always)
    private static func equal(_ string: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        string.utf8.withContiguousStorageIfAvailable { stored in
            stored.count == bytes.count && memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0
        } ?? string.utf8.elementsEqual(bytes)
    }

    /// FNV-1a over 8-byte words: fast, and good enough for a table that verifies every hit.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var i = 0
        let count = bytes.count
        while i + 8 <= count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01B3
            hash ^= hash >> 29
            i += 8
        }
        while i < count {
            hash = (hash ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
            i += 1
        }
        return hash ^ UInt64(count)
    }
}

extension JSONValue {
    /// The index of this string in `batch`'s string table; ``StringIndex/none`` unless a non-empty string.
    func index(in batch: inout EventBatch, _ interner: inout StringInterner) -> StringIndex {
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
    func internedString(_ interner: inout StringInterner) -> String? {
        let node = node
        guard node.kind == .string, node.end > node.start else { return nil }
        if node.escaped { return string }
        return interner.string(rawBytes)
    }
}
