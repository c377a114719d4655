/// Word-at-a-time scanning of string contents.
///
/// Most bytes inside JSON strings are plain ASCII; testing eight at a time (SWAR) for the few bytes
/// that need attention — a quote, a backslash, a control character or a non-ASCII byte — is what
/// makes the parser fast without platform-specific SIMD.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Returns the offset of the first byte at or after `start` that is `"`, `\`, below 0x20 or
    /// above 0x7F, or `end` if there is none.
    @inline(__always)
    static func skipPlainStringBytes(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var i = start
        let raw = UnsafeRawPointer(base)
        while i + 16 <= end {
            let first = specialBytes(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            if first != 0 { return i + first.trailingZeroBitCount / 8 }
            let second = specialBytes(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)))
            if second != 0 { return i + 8 + second.trailingZeroBitCount / 8 }
            i += 16
        }
        if i + 8 <= end {
            let mask = specialBytes(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            if mask != 0 { return i + mask.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            if isSpecial(base[i]) { return i }
            i += 1
        }
        return end
    }

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

    @inline(__always)
    static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word & highBits
    }

    /// Returns the offset of the first byte at or after `start` that text written as a JSON string
    /// must look at — a special byte (``isSpecial(_:)``) or DEL, which ``JSONWriter`` escapes — or `end`.
    @inline(__always)
    static func skipPlainOutputBytes(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var i = start
        let raw = UnsafeRawPointer(base)
        while i + 8 <= end {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let mask = specialBytes(word) | zeroBytes(word ^ (ones &* 0x7F))
            if mask != 0 { return i + mask.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            let byte = base[i]
            if isSpecial(byte) || byte == 0x7F { return i }
            i += 1
        }
        return end
    }

    /// Returns the offset of the first byte at or after `start` that is `"` or `\`, or `end`.
    /// Used where the bytes were validated before and only string boundaries matter.
    @inline(__always)
    static func skipToQuoteOrBackslash(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var i = start
        let raw = UnsafeRawPointer(base)
        while i + 8 <= end {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let mask = zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C))
            if mask != 0 { return i + mask.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            let byte = base[i]
            if byte == 0x22 || byte == 0x5C { return i }
            i += 1
        }
        return end
    }
}
