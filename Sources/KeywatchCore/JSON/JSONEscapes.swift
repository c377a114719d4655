/// Decoding of JSON string escapes, for strings the parser has already validated.
enum JSONEscapes {
    /// The code unit of four hex digits at `i`, or nil.
    @inline(__always)
    static func hex4(_ base: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> UInt32? {
        guard i + 4 <= end else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let byte = base[i + k]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Appends the unescaped UTF-8 of validated string contents to `output`.
    static func unescape(_ bytes: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let end = bytes.count
        var i = 0
        while i < end {
            let next = ByteScan.skipToQuoteOrBackslash(base, i, end)
            output.append(contentsOf: UnsafeBufferPointer(start: base + i, count: next - i))
            i = next
            guard i < end else { break }
            // A validated string holds no bare quote, so this is a backslash.
            let code = base[i + 1]
            switch code {
            case UInt8(ascii: "b"): output.append(0x08); i += 2
            case UInt8(ascii: "f"): output.append(0x0C); i += 2
            case UInt8(ascii: "n"): output.append(0x0A); i += 2
            case UInt8(ascii: "r"): output.append(0x0D); i += 2
            case UInt8(ascii: "t"): output.append(0x09); i += 2
            case UInt8(ascii: "u"):
                var scalar = hex4(base, i + 2, end) ?? 0xFFFD
                i += 6
                if (0xD800...0xDBFF).contains(scalar), let low = hex4(base, i + 2, end) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                appendUTF8(Unicode.Scalar(scalar) ?? "\u{FFFD}", to: &output)
            default: output.append(code); i += 2
            }
        }
    }

    private static func appendUTF8(_ scalar: Unicode.Scalar, to output: inout [UInt8]) {
        UTF8.encode(scalar) { output.append($0) }
    }
}
