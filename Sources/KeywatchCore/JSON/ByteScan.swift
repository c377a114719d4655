#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Word-at-a-time scanning of string contents.
///
/// Most bytes inside JSON strings are plain ASCII; testing eight at a time (SWAR) for the few bytes
/// that need attention — a quote, a backslash, a control character or a non-ASCII byte — is what
/// makes the parser fast without platform-specific SIMD.
enum ByteScan {
    /// 0x01 and 0x80 in every byte of a word.
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// True for a byte inside a string that needs attention: `"`, `\`, below 0x20 or above 0x7F.
    @inline(__always)
    static func isSpecial(_ byte: UInt8) -> Bool {
        byte == 0x22 || byte == 0x5C || byte < 0x20 || byte > 0x7F
    }

    /// A mask whose lowest set high bit marks the first special byte of `word` (little-endian).
    /// Bits above the first match may be spurious (borrows propagate upward); only the lowest is used.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let quote = zeroBytes(word ^ (ones &* 0x22))
        let backslash = zeroBytes(word ^ (ones &* 0x5C))
        let control = (word &- ones &* 0x20) & ~word & highBits
        return quote | backslash | control | (word & highBits)
    }

    /// The high bit of every byte of `word` equal to `byte`, and no other bit: exact, unlike
    /// ``zeroBytes(_:)``, so the last match can be read as well as the first.
    @inline(__always)
    static func bytes(equalTo byte: UInt8, in word: UInt64) -> UInt64 {
        let lowBits = ~highBits
        let difference = word ^ (ones &* UInt64(byte))
        // A byte's high bit is set here when any of its bits is: the low seven carry into it.
        let nonzero = ((difference & lowBits) &+ lowBits) | difference
        return ~(nonzero | lowBits)
    }

    @inline(__always)
    static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word & highBits
    }

    /// The high bit of each byte of `word` (all below 0x80) that lies in `low...high`, and no other bit.
    @inline(__always)
    static func bytes(in word: UInt64, from low: UInt8, through high: UInt8) -> UInt64 {
        let atLeastLow = word &+ (ones &* UInt64(0x80 - low))
        let aboveHigh = word &+ (ones &* UInt64(0x7F - high))
        return (atLeastLow & ~aboveHigh) & highBits
    }

    /// Whether `count` bytes at `a` and `b` are equal: keys and short values in a few word loads
    /// inline, where a call to `memcmp` cost more than the comparison; longer ones by `memcmp`.
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        switch count {
        case 8...16:
            return a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                && a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        case 4..<8:
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        case 0..<4:
            for k in 0..<count where a.load(fromByteOffset: k, as: UInt8.self) != b.load(fromByteOffset: k, as: UInt8.self) {
                return false
            }
            return true
        default:
            return memcmp(a, b, count) == 0
        }
    }

    /// Returns the offset of the first byte at or after `start` that text written as a JSON string
    /// must look at — a special byte (``isSpecial(_:)``) or DEL, which ``JSONWriter`` escapes — or `end`.
    @inline(__always)
    static func skipPlainOutputBytes(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        firstMarked(base, start, end, word: { specialBytes($0) | zeroBytes($0 ^ (ones &* 0x7F)) },
                    byte: { isSpecial($0) || $0 == 0x7F })
    }

    /// Returns the offset of the first byte at or after `start` that is `"` or `\`, or `end`.
    /// Used where the bytes were validated before and only string boundaries matter.
    @inline(__always)
    static func skipToQuoteOrBackslash(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        firstMarked(base, start, end, word: { zeroBytes($0 ^ (ones &* 0x22)) | zeroBytes($0 ^ (ones &* 0x5C)) },
                    byte: { $0 == 0x22 || $0 == 0x5C })
    }

    /// The offset of the first byte at or after `start` that `byte` marks, or `end`: eight bytes at
    /// a time by `word`, whose lowest set high bit marks the first such byte of a little-endian
    /// word (bits above it may be spurious), then byte by byte for the last few. The one
    /// word-at-a-time loop: scanners differ only in the bytes they stop at.
    @inline(__always)
    static func firstMarked(
        _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, word: (UInt64) -> UInt64, byte: (UInt8) -> Bool
    ) -> Int {
        var i = start
        let raw = UnsafeRawPointer(base)
        while i + 8 <= end {
            let mask = word(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            if mask != 0 { return i + mask.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            if byte(base[i]) { return i }
            i += 1
        }
        return end
    }
}
