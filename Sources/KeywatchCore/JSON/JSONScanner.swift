#if arch(x86_64)
import CByteScan
#endif

/// The validating scan behind ``JSONParser``: one loop over the bytes, no recursion.
///
/// Written for the shape of log records — objects of short keys and string values, no
/// whitespace — so the common path is a key, `:"`, a string and `,"`, each pair of punctuation
/// settled with one comparison, and the ends of strings are read from bit masks of 64 input bytes
/// (``SpecialByteWindow``; eight bytes at a time without SSE2). Everything rare (escapes,
/// non-ASCII, numbers, literals, errors) leaves the loop for a function of its own.
enum JSONScanner {
    private static let quote = UInt8(ascii: "\"")

    /// Indexes the value at the start of `base[0..<end]` into `tape`; returns the offset just past it.
    /// Unless `prefix`, only whitespace may follow the value.
    static func scan(
        _ base: UnsafePointer<UInt8>, _ end: Int, prefix: Bool, into tape: inout JSONTape,
        stack: UnsafeMutablePointer<UInt32>, maximumDepth: Int
    ) throws(JSONError) -> Int {
        var depth = 0
        var window = SpecialByteWindow()
        var i = skipWhitespace(base, 0, end)
        if i == end { throw JSONError(.empty, at: i) }

        // Alternates between reading a value (after its key, in an object) and reading what follows it.
        var memberNext = false
        valueLoop: while true {
            var valueRead = false
            if memberNext {
                memberLoop: while true {
                    // The member's key and colon.
                    guard i < end else { throw JSONError(.unexpectedEnd, at: i) }
                    guard base[i] == quote else { throw JSONError(.unexpectedByte(base[i]), at: i) }
                    i = try string(base, i, end, &tape, &window)
                    // Minified members of string values — most of a log record — read straight
                    // through: `"key":"value","next"…`; anything else takes the general way.
                    if i + 1 < end, pair(base, i) == Self.colonQuote {
                        i = try string(base, i + 1, end, &tape, &window)
                        if i + 1 < end, pair(base, i) == Self.commaQuote {
                            i += 1
                            continue memberLoop
                        }
                        valueRead = true
                        break memberLoop
                    }
                    i = skipWhitespace(base, i, end)
                    guard i < end else { throw JSONError(.unexpectedEnd, at: i) }
                    guard base[i] == UInt8(ascii: ":") else { throw JSONError(.unexpectedByte(base[i]), at: i) }
                    i = skipWhitespace(base, i + 1, end)
                    break memberLoop
                }
                memberNext = false
            }
            if !valueRead {
                guard i < end else { throw JSONError(.unexpectedEnd, at: i) }
                let byte = base[i]
                if byte == quote {
                    i = try string(base, i, end, &tape, &window)
                } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                    if depth >= maximumDepth { throw JSONError(.tooDeep(limit: maximumDepth), at: i) }
                    let isObject = byte == UInt8(ascii: "{")
                    stack[depth] = UInt32(truncatingIfNeeded: tape.count) << 1 | (isObject ? 1 : 0)
                    depth += 1
                    tape.append(isObject ? .object : .array, start: i, end: i)
                    i = skipWhitespace(base, i + 1, end)
                    guard i < end else { throw JSONError(.unexpectedEnd, at: i) }
                    if base[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        i += 1
                        depth -= 1
                        tape.close(Int(stack[depth] >> 1), end: i)
                    } else {
                        memberNext = isObject
                        continue valueLoop
                    }
                } else {
                    i = try scalar(base, i, end, &tape)
                }
            }

            // After a complete value: close containers, or move to the next member or element.
            while true {
                if depth == 0 {
                    if prefix { return i }
                    i = skipWhitespace(base, i, end)
                    if i != end { throw JSONError(.trailingContent, at: i) }
                    return i
                }
                i = skipWhitespace(base, i, end)
                guard i < end else { throw JSONError(.unexpectedEnd, at: i) }
                let byte = base[i]
                let top = stack[depth - 1]
                let inObject = top & 1 == 1
                if byte == UInt8(ascii: ",") {
                    i = skipWhitespace(base, i + 1, end)
                    memberNext = inObject
                    continue valueLoop
                }
                guard byte == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    throw JSONError(.unexpectedByte(byte), at: i)
                }
                i += 1
                depth -= 1
                tape.close(Int(top >> 1), end: i)
            }
        }
    }

    /// `:"` and `,"` as ``pair(_:_:)`` reads them: the first byte low.
    private static let colonQuote: UInt16 = 0x223A
    private static let commaQuote: UInt16 = 0x222C

    /// The two bytes at `i` as one number, so that a pair of punctuation is checked in one comparison.
    @inline(__always)
    private static func pair(_ base: UnsafePointer<UInt8>, _ i: Int) -> UInt16 {
        UInt16(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt16.self))
    }

    @inline(__always)
    private static func skipWhitespace(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        // Minified JSON has none: one comparison settles it.
        if start < end && base[start] > 0x20 { return start }
        return skipWhitespaceRun(base, start, end)
    }

    private static func skipWhitespaceRun(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var i = start
        while i < end {
            switch base[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return i
            }
        }
        return i
    }

    /// Reads a string starting at its opening quote and appends its node; returns the offset after
    /// the closing quote.
    @inline(__always)
    private static func string(
        _ base: UnsafePointer<UInt8>, _ quote: Int, _ end: Int, _ tape: inout JSONTape, _ window: inout SpecialByteWindow
    ) throws(JSONError) -> Int {
        var i = quote + 1
        var escaped = false
        while true {
            i = plainRunEnd(base, i, end, &window)
            guard i < end else { throw JSONError(.unexpectedEnd, at: end) }
            let byte = base[i]
            if byte == Self.quote { break }
            escaped = escaped || byte == UInt8(ascii: "\\")
            i = try special(base, i, end)
        }
        tape.append(.string, escaped: escaped, start: quote + 1, end: i)
        return i + 1
    }

    /// The offset of the first byte at or after `start` that needs attention inside a string (see
    /// ``ByteScan/isSpecial(_:)``), or `end`.
    @inline(__always)
    private static func plainRunEnd(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ window: inout SpecialByteWindow) -> Int {
        var i = start
        #if arch(x86_64)
        while true {
            let offset = i &- window.start
            if UInt(bitPattern: offset) < 64 {
                let mask = window.mask >> UInt64(truncatingIfNeeded: offset)
                if mask != 0 { return i &+ mask.trailingZeroBitCount }
                i = window.start &+ 64
            }
            guard i &+ 64 <= end else { break }
            window.start = i
            window.mask = keywatch_string_special_mask64(base + i)
        }
        while i + 16 <= end {
            let mask = keywatch_string_special_mask16(base + i)
            if mask != 0 { return i + mask.trailingZeroBitCount }
            i += 16
        }
        #endif
        return ByteScan.firstMarked(base, i, end, word: ByteScan.specialBytes, byte: ByteScan.isSpecial)
    }

    /// Validates the byte at `i` inside a string that needs attention — a backslash, a control
    /// character or a non-ASCII byte; returns the offset after its escape or UTF-8 sequence.
    private static func special(_ base: UnsafePointer<UInt8>, _ i: Int, _ end: Int) throws(JSONError) -> Int {
        let byte = base[i]
        if byte == UInt8(ascii: "\\") { return try escape(base, i, end) }
        if byte < 0x20 { throw JSONError(.controlCharacterInString(byte), at: i) }
        guard let next = UTF8Validation.sequenceEnd(base, i, end) else { throw JSONError(.invalidUTF8, at: i) }
        return next
    }

    /// Validates the escape at `i` (a backslash); returns the offset after it.
    private static func escape(_ base: UnsafePointer<UInt8>, _ i: Int, _ end: Int) throws(JSONError) -> Int {
        guard i + 1 < end else { throw JSONError(.unexpectedEnd, at: end) }
        switch base[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return i + 2
        case UInt8(ascii: "u"):
            guard let unit = JSONEscapes.hex4(base, i + 2, end) else { throw JSONError(.invalidUnicodeEscape, at: i) }
            switch unit {
            case 0xD800...0xDBFF:
                guard i + 11 < end, base[i + 6] == UInt8(ascii: "\\"), base[i + 7] == UInt8(ascii: "u"),
                      let low = JSONEscapes.hex4(base, i + 8, end), (0xDC00...0xDFFF).contains(low)
                else { throw JSONError(.invalidUnicodeEscape, at: i) }
                return i + 12
            case 0xDC00...0xDFFF:
                throw JSONError(.invalidUnicodeEscape, at: i)
            default:
                return i + 6
            }
        default:
            throw JSONError(.invalidEscape, at: i)
        }
    }

    /// Reads a number or a literal (or fails on whatever else starts a value there).
    private static func scalar(_ base: UnsafePointer<UInt8>, _ i: Int, _ end: Int, _ tape: inout JSONTape) throws(JSONError) -> Int {
        switch base[i] {
        case UInt8(ascii: "t"): return try literal(base, i, end, "true", .true, &tape)
        case UInt8(ascii: "f"): return try literal(base, i, end, "false", .false, &tape)
        case UInt8(ascii: "n"): return try literal(base, i, end, "null", .null, &tape)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number(base, i, end, &tape)
        default: throw JSONError(.unexpectedByte(base[i]), at: i)
        }
    }

    private static func literal(
        _ base: UnsafePointer<UInt8>, _ i: Int, _ end: Int, _ literal: StaticString, _ kind: JSONKind, _ tape: inout JSONTape
    ) throws(JSONError) -> Int {
        let count = literal.utf8CodeUnitCount
        guard i + count <= end else { throw JSONError(.invalidLiteral, at: i) }
        let expected = literal.utf8Start
        for k in 0..<count where base[i + k] != expected[k] {
            throw JSONError(.invalidLiteral, at: i)
        }
        tape.append(kind, start: i, end: i + count)
        return i + count
    }

    /// Reads `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    private static func number(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ tape: inout JSONTape) throws(JSONError) -> Int {
        var i = start
        if base[i] == UInt8(ascii: "-") { i += 1 }
        guard i < end, base[i].isASCIIDigit else { throw JSONError(.invalidNumber, at: start) }
        if base[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < end, base[i].isASCIIDigit { i += 1 }
        }
        if i < end, base[i] == UInt8(ascii: ".") {
            i += 1
            guard i < end, base[i].isASCIIDigit else { throw JSONError(.invalidNumber, at: start) }
            while i < end, base[i].isASCIIDigit { i += 1 }
        }
        if i < end, base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E") {
            i += 1
            if i < end, base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") { i += 1 }
            guard i < end, base[i].isASCIIDigit else { throw JSONError(.invalidNumber, at: start) }
            while i < end, base[i].isASCIIDigit { i += 1 }
        }
        tape.append(.number, start: start, end: i)
        return i
    }
}

/// The bytes needing attention inside a string (``ByteScan/isSpecial(_:)``) among 64 input bytes,
/// found once for every string that lies in them.
///
/// A record's strings are short and close together — a key, a colon, a value — so most share a
/// window with the one before: their ends are found with a shift and a bit count, and a loop over
/// 16-byte chunks, whose exit the processor mispredicted for every string of another length, is
/// left to the last 64 bytes of the input.
struct SpecialByteWindow {
    /// Offset of the window's first byte; far from any offset until the first window is read.
    var start = Int.min / 2
    /// Bit k set when byte `start + k` needs attention.
    var mask: UInt64 = 0
}

extension UInt8 {
    @inline(__always)
    var isASCIIDigit: Bool { self &- UInt8(ascii: "0") < 10 }
}
