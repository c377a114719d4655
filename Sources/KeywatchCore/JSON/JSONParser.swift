/// A fully validating JSON parser that indexes a record instead of building objects.
///
/// One pass over the bytes checks everything RFC 8259 requires — grammar, escapes, numbers, UTF-8,
/// unescaped control characters — and records each value's kind and byte range in a flat table of
/// nodes (a "tape"), so that normalization reads fields without allocating a dictionary per record,
/// and any value's original bytes stay addressable. Nesting is limited (``maximumDepth``) and the
/// parser never recurses, so hostile input cannot exhaust the stack.
///
/// A parser is reused across records: it keeps its node storage. It is not thread-safe; give
/// each decoding thread its own.
public final class JSONParser {
    /// Containers may nest this deep; deeper input is rejected.
    public let maximumDepth: Int

    private var nodes: UnsafeMutablePointer<JSONNode>
    private var nodeCapacity: Int
    private var nodeCount = 0
    /// Open containers: node index shifted left once, low bit set for objects.
    private var stack: UnsafeMutablePointer<UInt32>
    private var depth = 0

    public init(maximumDepth: Int = 128) {
        self.maximumDepth = maximumDepth
        nodeCapacity = 256
        nodes = .allocate(capacity: nodeCapacity)
        stack = .allocate(capacity: maximumDepth + 1)
    }

    deinit {
        nodes.deallocate()
        stack.deallocate()
    }

    /// Parses one JSON value (surrounding whitespace allowed) and hands the document to `body`.
    ///
    /// The document borrows `bytes` and the parser's storage: it is valid only inside `body`.
    public func parse<Result>(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (JSONDocument) throws -> Result
    ) throws -> Result {
        try index(bytes)
        return try body(JSONDocument(bytes: bytes, nodes: UnsafeBufferPointer(start: nodes, count: nodeCount)))
    }

    /// Checks that `bytes` hold exactly one valid JSON value.
    public func validate(_ bytes: UnsafeRawBufferPointer) throws(JSONError) {
        try index(bytes)
    }

    /// Parses the JSON value at the start of `bytes` (more may follow it) and hands the document
    /// and the value's length to `body`. Throws if the value is invalid or does not end in `bytes`.
    public func parsePrefix<Result>(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (JSONDocument, Int) throws -> Result
    ) throws -> Result {
        let length = try index(bytes, prefix: true)
        let value = UnsafeRawBufferPointer(rebasing: bytes[0..<length])
        return try body(JSONDocument(bytes: value, nodes: UnsafeBufferPointer(start: nodes, count: nodeCount)), length)
    }

    // MARK: - Indexing

    /// Indexes one value; returns the offset just past it. Unless `prefix`, only whitespace may follow.
    @discardableResult
    private func index(_ buffer: UnsafeRawBufferPointer, prefix: Bool = false) throws(JSONError) -> Int {
        nodeCount = 0
        depth = 0
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else {
            throw JSONError(.empty, at: 0)
        }
        guard buffer.count < Int(Int32.max) else { throw JSONError(.trailingContent, at: Int(Int32.max)) }
        let end = buffer.count
        var i = skipWhitespace(base, 0, end)
        if i == end { throw JSONError(.empty, at: i) }

        // The main loop alternates between reading a value and reading what follows it.
        valueLoop: while true {
            guard i < end else { throw JSONError(.unexpectedEnd, at: i) }
            let byte = base[i]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth >= maximumDepth { throw JSONError(.tooDeep(limit: maximumDepth), at: i) }
                let kind: JSONKind = byte == UInt8(ascii: "{") ? .object : .array
                stack[depth] = UInt32(nodeCount) << 1 | (kind == .object ? 1 : 0)
                depth += 1
                append(JSONNode(kind: kind, start: i, end: i))
                i = skipWhitespace(base, i + 1, end)
                guard i < end else { throw JSONError(.unexpectedEnd, at: i) }
                if kind == .object {
                    if base[i] == UInt8(ascii: "}") {
                        i += 1
                        close(at: i)
                    } else {
                        i = try readKey(base, i, end)
                        continue valueLoop
                    }
                } else {
                    if base[i] == UInt8(ascii: "]") {
                        i += 1
                        close(at: i)
                    } else {
                        continue valueLoop
                    }
                }
            case UInt8(ascii: "\""):
                i = try readString(base, i, end)
            case UInt8(ascii: "t"):
                i = try readLiteral(base, i, end, "true", .true)
            case UInt8(ascii: "f"):
                i = try readLiteral(base, i, end, "false", .false)
            case UInt8(ascii: "n"):
                i = try readLiteral(base, i, end, "null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                i = try readNumber(base, i, end)
            default:
                throw JSONError(.unexpectedByte(byte), at: i)
            }

            // After a complete value: close containers or move to the next member or element.
            while true {
                guard depth > 0 else {
                    if prefix { return i }
                    i = skipWhitespace(base, i, end)
                    if i != end { throw JSONError(.trailingContent, at: i) }
                    return i
                }
                i = skipWhitespace(base, i, end)
                guard i < end else { throw JSONError(.unexpectedEnd, at: i) }
                let byte = base[i]
                let isObject = stack[depth - 1] & 1 == 1
                if byte == UInt8(ascii: ",") {
                    i = skipWhitespace(base, i + 1, end)
                    if isObject { i = try readKey(base, i, end) }
                    continue valueLoop
                }
                if byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    close(at: i)
                    continue
                }
                throw JSONError(.unexpectedByte(byte), at: i)
            }
        }
    }

    @inline(__always)
    private func append(_ node: JSONNode) {
        if nodeCount == nodeCapacity { grow() }
        var node = node
        node.next = UInt32(nodeCount + 1)  // containers overwrite this when they close
        (nodes + nodeCount).initialize(to: node)
        nodeCount += 1
    }

    private func grow() {
        let bigger = UnsafeMutablePointer<JSONNode>.allocate(capacity: nodeCapacity * 2)
        bigger.moveInitialize(from: nodes, count: nodeCount)
        nodes.deallocate()
        nodes = bigger
        nodeCapacity *= 2
    }

    @inline(__always)
    private func close(at offset: Int) {
        depth -= 1
        let index = Int(stack[depth] >> 1)
        nodes[index].end = UInt32(offset)
        nodes[index].next = UInt32(nodeCount)
    }

    /// Reads `"key"` and the `:` after it; returns the offset of the member's value.
    @inline(__always)
    private func readKey(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws(JSONError) -> Int {
        guard start < end else { throw JSONError(.unexpectedEnd, at: start) }
        guard base[start] == UInt8(ascii: "\"") else { throw JSONError(.unexpectedByte(base[start]), at: start) }
        var i = try readString(base, start, end)
        i = skipWhitespace(base, i, end)
        guard i < end else { throw JSONError(.unexpectedEnd, at: i) }
        guard base[i] == UInt8(ascii: ":") else { throw JSONError(.unexpectedByte(base[i]), at: i) }
        return skipWhitespace(base, i + 1, end)
    }

    @inline(__always)
    private func skipWhitespace(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        // Minified JSON has none: one comparison settles it.
        if start < end && base[start] > 0x20 { return start }
        var i = start
        while i < end {
            switch base[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return i
            }
        }
        return i
    }

    /// Reads a string starting at its opening quote; returns the offset after the closing quote.
    @inline(__always)
    private func readString(_ base: UnsafePointer<UInt8>, _ quote: Int, _ end: Int) throws(JSONError) -> Int {
        var i = quote + 1
        var escaped = false
        while true {
            i = ByteScan.skipPlainStringBytes(base, i, end)
            guard i < end else { throw JSONError(.unexpectedEnd, at: end) }
            let byte = base[i]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                i = try readEscape(base, i, end)
            } else if byte < 0x20 {
                throw JSONError(.controlCharacterInString(byte), at: i)
            } else {
                guard let next = UTF8Validation.sequenceEnd(base, i, end) else { throw JSONError(.invalidUTF8, at: i) }
                i = next
            }
        }
        append(JSONNode(kind: .string, escaped: escaped, start: quote + 1, end: i))
        return i + 1
    }

    /// Validates the escape at `i` (a backslash); returns the offset after it.
    private func readEscape(_ base: UnsafePointer<UInt8>, _ i: Int, _ end: Int) throws(JSONError) -> Int {
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

    private func readLiteral(
        _ base: UnsafePointer<UInt8>, _ i: Int, _ end: Int, _ literal: StaticString, _ kind: JSONKind
    ) throws(JSONError) -> Int {
        let count = literal.utf8CodeUnitCount
        guard i + count <= end else { throw JSONError(.invalidLiteral, at: i) }
        let expected = literal.utf8Start
        for k in 0..<count where base[i + k] != expected[k] {
            throw JSONError(.invalidLiteral, at: i)
        }
        append(JSONNode(kind: kind, start: i, end: i + count))
        return i + count
    }

    /// Reads `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    private func readNumber(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws(JSONError) -> Int {
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
        append(JSONNode(kind: .number, start: start, end: i))
        return i
    }
}

extension UInt8 {
    @inline(__always)
    var isASCIIDigit: Bool { self &- UInt8(ascii: "0") < 10 }
}
