/// SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit hash whose outputs cannot be predicted,
/// nor made to collide, without the key — what a digest of attacker-written values needs, at a
/// tenth of a SHA-256's cost on short input. The standard library's `Hasher` is SipHash too, but
/// with a seed that changes with each process and cannot be set: digests kept across restarts
/// need a key kept with them.
struct SipHash24 {
    /// A 128-bit key: random for each use, and stored with the digests it made.
    struct Key: Sendable, Hashable {
        var k0: UInt64
        var k1: UInt64

        /// A key from the system's random source.
        static func random() -> Key {
            var generator = SystemRandomNumberGenerator()
            return Key(k0: generator.next(), k1: generator.next())
        }
    }

    /// The hash of `bytes` under `key`.
    static func hash(_ bytes: UnsafeRawBufferPointer, key: Key) -> UInt64 {
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ key.k0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ key.k1
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ key.k0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ key.k1

        @inline(__always) func round() {
            v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
            v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
            v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
            v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
        }
        @inline(__always) func compress(_ word: UInt64) {
            v3 ^= word
            round()
            round()
            v0 ^= word
        }

        let count = bytes.count
        let whole = count & ~7
        var offset = 0
        while offset < whole {
            compress(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
        var last = UInt64(truncatingIfNeeded: count) << 56
        for index in 0..<(count - whole) {
            last |= UInt64(bytes[whole + index]) << (8 * UInt64(index))
        }
        compress(last)
        v2 ^= 0xFF
        for _ in 0..<4 { round() }
        return v0 ^ v1 ^ v2 ^ v3
    }

    /// The hash of `text`'s UTF-8 bytes under `key`.
    static func hash(_ text: String, key: Key) -> UInt64 {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0), key: key) }
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ bits: UInt64) -> UInt64 {
        (self << bits) | (self >> (64 - bits))
    }
}
