/// Validation of UTF-8 sequences as Unicode 15 (table 3-7) defines them: no overlong forms, no
/// surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    /// Returns the offset after the well-formed sequence that starts at `i` (a byte ≥ 0x80),
    /// or nil if it is ill-formed or runs past `end`.
    @inline(__always)
    static func sequenceEnd(_ base: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int? {
        let lead = base[i]
        @inline(__always) func continuation(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            k < end && range.contains(base[k])
        }
        switch lead {
        case 0xC2...0xDF:
            return continuation(i + 1) ? i + 2 : nil
        case 0xE0:
            return continuation(i + 1, 0xA0...0xBF) && continuation(i + 2) ? i + 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF:
            return continuation(i + 1) && continuation(i + 2) ? i + 3 : nil
        case 0xED:
            return continuation(i + 1, 0x80...0x9F) && continuation(i + 2) ? i + 3 : nil
        case 0xF0:
            return continuation(i + 1, 0x90...0xBF) && continuation(i + 2) && continuation(i + 3) ? i + 4 : nil
        case 0xF1...0xF3:
            return continuation(i + 1) && continuation(i + 2) && continuation(i + 3) ? i + 4 : nil
        case 0xF4:
            return continuation(i + 1, 0x80...0x8F) && continuation(i + 2) && continuation(i + 3) ? i + 4 : nil
        default:
            return nil
        }
    }
}
