/// A hash of a text value's UTF-8 for tables that verify every hit; never 0.
///
/// One function for the whole process, so that a batch's ``EventBatch/stringHashes``, filled by
/// whichever interner decoded the batch, mean one thing wherever they are read; a secret seed
/// per process keeps log writers from choosing values that collide.
public enum ContentHash {
    /// The hash of `bytes`.
    @inline(__always)
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        bytes.isEmpty ? 1 : hash(bytes, seed: seed) | 1
    }

    /// The hash of a string's UTF-8.
    public static func of(_ string: String) -> UInt64 {
        var string = string
        return string.withUTF8 { of(UnsafeRawBufferPointer($0)) }
    }

    /// The secret seed, one per process.
    static let seed = UInt64.random(in: 0...UInt64.max)

    /// A multiply-xorshift hash over 8-byte words: fast, and good enough for a table that
    /// verifies every hit.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return 0 }
        var hash: UInt64 = seed ^ UInt64(truncatingIfNeeded: count)
        var i = 0
        while i + 8 <= count {
            hash = (hash ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            i += 8
        }
        if i < count {
            var tail: UInt64 = 0
            if count >= 8 {
                tail = base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            } else {
                for k in i..<count { tail |= UInt64(base.load(fromByteOffset: k, as: UInt8.self)) << (8 * (k - i)) }
            }
            hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
            hash ^= hash >> 29
        }
        return hash
    }
}
