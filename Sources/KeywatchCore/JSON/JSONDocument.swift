import Foundation

/// A parsed JSON record: the bytes and the parser's index over them.
///
/// Borrowed from a ``JSONParser``; valid only inside the closure that received it.
public struct JSONDocument {
    let bytes: UnsafeRawBufferPointer
    let nodes: UnsafeBufferPointer<JSONNode>

    /// The top-level value.
    public var root: JSONValue { JSONValue(document: self, index: 0) }
}

/// A value inside a ``JSONDocument``.
public struct JSONValue {
    let document: JSONDocument
    let index: Int

    @inline(__always)
    var node: JSONNode { document.nodes[index] }

    public var kind: JSONKind { node.kind }

    /// The value's original bytes; for strings, the contents between the quotes, still escaped.
    public var rawBytes: UnsafeRawBufferPointer {
        let node = node
        return UnsafeRawBufferPointer(rebasing: document.bytes[Int(node.start)..<Int(node.end)])
    }

    /// The value's complete original bytes, with a string's quotes.
    public var sourceBytes: UnsafeRawBufferPointer {
        let node = node
        if node.kind == .string {
            return UnsafeRawBufferPointer(rebasing: document.bytes[Int(node.start) - 1..<Int(node.end) + 1])
        }
        return rawBytes
    }

    /// Byte offset of the value within the document.
    public var offset: Int { Int(node.start) - (node.kind == .string ? 1 : 0) }

    /// The member named `key`, if this is an object that has one (the last one, if repeated).
    public subscript(key: StaticString) -> JSONValue? {
        member(key.utf8Start, key.utf8CodeUnitCount)
    }

    /// The member named `key`, if this is an object that has one.
    public func member(named key: String) -> JSONValue? {
        var key = key
        return key.withUTF8 { member($0.baseAddress!, $0.count) }
    }

    /// The element at `position`, if this is an array that long.
    public subscript(position: Int) -> JSONValue? {
        guard node.kind == .array, position >= 0 else { return nil }
        var k = 0
        for element in elements {
            if k == position { return element }
            k += 1
        }
        return nil
    }

    /// True when this object has a member named `key` (any occurrence).
    public func hasMember(named key: StaticString) -> Bool {
        let container = node
        guard container.kind == .object else { return false }
        let count = key.utf8CodeUnitCount
        let nodes = document.nodes
        let bytes = document.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var i = index + 1
        let end = Int(container.next)
        while i < end {
            let keyNode = nodes[i]
            if Int(keyNode.end - keyNode.start) == count, !keyNode.escaped,
               ByteScan.equal(bytes + Int(keyNode.start), key.utf8Start, count) {
                return true
            }
            i = Int(nodes[i + 1].next)
        }
        return member(key.utf8Start, count) != nil  // an escaped spelling of the name
    }

    private func member(_ key: UnsafePointer<UInt8>, _ count: Int) -> JSONValue? {
        let container = node
        guard container.kind == .object else { return nil }
        var found: Int?
        var i = index + 1
        let end = Int(container.next)
        let nodes = document.nodes
        let bytes = document.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        while i < end {
            let keyNode = nodes[i]
            let length = Int(keyNode.end - keyNode.start)
            if keyNode.escaped {
                if JSONValue(document: document, index: i).decodedBytesEqual(key, count) { found = i + 1 }
            } else if length == count, ByteScan.equal(bytes + Int(keyNode.start), key, count) {
                found = i + 1
            }
            i = Int(nodes[i + 1].next)
        }
        return found.map { JSONValue(document: document, index: $0) }
    }

    /// The elements of an array (empty for anything else).
    public var elements: JSONElements { JSONElements(value: self) }

    /// The members of an object, as (key, value) pairs (empty for anything else).
    public var members: JSONMembers { JSONMembers(value: self) }

    /// The number of elements or members; 0 for scalars.
    public var count: Int {
        switch node.kind {
        case .array: return elements.reduce(0) { n, _ in n + 1 }
        case .object: return members.reduce(0) { n, _ in n + 1 }
        default: return 0
        }
    }

    /// The decoded string, if this is a string.
    public var string: String? {
        let node = node
        guard node.kind == .string else { return nil }
        if !node.escaped {
            return String(decoding: rawBytes, as: UTF8.self)
        }
        var scratch: [UInt8] = []
        scratch.reserveCapacity(Int(node.end - node.start))
        JSONEscapes.unescape(rawBytes, into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }

    /// True for a string of at least one byte (without making a `String`).
    public var isNonEmptyString: Bool {
        let node = node
        return node.kind == .string && node.end > node.start
    }

    /// The decoded string, or nil when it is absent or empty.
    public var nonEmptyString: String? {
        let node = node
        guard node.kind == .string, node.end > node.start else { return nil }
        return string
    }

    /// Calls `body` with the decoded UTF-8 of a string value (its own bytes when it has no escapes);
    /// nil for non-strings.
    public func withDecodedBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        let node = node
        guard node.kind == .string else { return nil }
        if !node.escaped { return try body(rawBytes) }
        var decoded: [UInt8] = []
        JSONEscapes.unescape(rawBytes, into: &decoded)
        return try decoded.withUnsafeBytes(body)
    }

    /// Appends the decoded UTF-8 of a string value to `output`; returns false for non-strings.
    @discardableResult
    public func appendDecodedString(to output: inout [UInt8]) -> Bool {
        let node = node
        guard node.kind == .string else { return false }
        if node.escaped {
            JSONEscapes.unescape(rawBytes, into: &output)
        } else {
            output.append(contentsOf: rawBytes)
        }
        return true
    }

    /// The value as an integer: a JSON integer, or a string holding one (log producers disagree).
    public var integer: Int? {
        let node = node
        guard node.kind == .number || node.kind == .string, !node.escaped else { return nil }
        return Self.parseInteger(rawBytes)
    }

    /// The value as a Double: a JSON number, or a string holding one.
    public var double: Double? {
        let node = node
        guard node.kind == .number || node.kind == .string, !node.escaped else { return nil }
        return Double(String(decoding: rawBytes, as: UTF8.self))
    }

    /// The value as a Boolean: `true`/`false`, or the strings "true"/"false".
    public var bool: Bool? {
        switch node.kind {
        case .true: return true
        case .false: return false
        case .string:
            if stringEquals("true", caseInsensitive: true) { return true }
            if stringEquals("false", caseInsensitive: true) { return false }
            return nil
        default: return nil
        }
    }

    public var isNull: Bool { node.kind == .null }

    /// True when this is a string equal to `literal` (ASCII case folded when asked).
    public func stringEquals(_ literal: StaticString, caseInsensitive: Bool = false) -> Bool {
        let node = node
        guard node.kind == .string else { return false }
        if node.escaped { return decodedBytesEqual(literal.utf8Start, literal.utf8CodeUnitCount, caseInsensitive) }
        let count = literal.utf8CodeUnitCount
        guard Int(node.end - node.start) == count else { return false }
        let base = document.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + Int(node.start)
        return Self.bytesEqual(base, literal.utf8Start, count, caseInsensitive)
    }

    private func decodedBytesEqual(_ other: UnsafePointer<UInt8>, _ count: Int, _ caseInsensitive: Bool = false) -> Bool {
        var scratch: [UInt8] = []
        JSONEscapes.unescape(rawBytes, into: &scratch)
        guard scratch.count == count else { return false }
        return scratch.withUnsafeBufferPointer { Self.bytesEqual($0.baseAddress!, other, count, caseInsensitive) }
    }

    @inline(__always)
    static func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int, _ caseInsensitive: Bool) -> Bool {
        if !caseInsensitive { return ByteScan.equal(a, b, count) }
        for k in 0..<count where a[k].asciiLowercased != b[k].asciiLowercased { return false }
        return true
    }

    /// A decimal integer that fits in `Int`; nil for anything else, however many digits it has.
    static func parseInteger(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        let negative = bytes[0] == UInt8(ascii: "-")
        guard !(negative && bytes.count == 1) else { return nil }
        // Accumulated as a negative number, so that `Int.min` is read too.
        var value = 0
        for byte in bytes.dropFirst(negative ? 1 : 0) {
            guard byte.isASCIIDigit else { return nil }
            let (shifted, overflowShifting) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdding) = shifted.subtractingReportingOverflow(Int(byte &- UInt8(ascii: "0")))
            guard !overflowShifting, !overflowAdding else { return nil }
            value = next
        }
        if negative { return value }
        return value == .min ? nil : -value
    }
}

extension UInt8 {
    @inline(__always)
    var asciiLowercased: UInt8 { (self &- UInt8(ascii: "A")) < 26 ? self | 0x20 : self }
}

/// The elements of a JSON array.
public struct JSONElements: Sequence {
    let value: JSONValue

    public struct Iterator: IteratorProtocol {
        let document: JSONDocument
        var index: Int
        let end: Int

        public mutating func next() -> JSONValue? {
            guard index < end else { return nil }
            let element = JSONValue(document: document, index: index)
            index = Int(document.nodes[index].next)
            return element
        }
    }

    public func makeIterator() -> Iterator {
        let node = value.node
        guard node.kind == .array else { return Iterator(document: value.document, index: 0, end: 0) }
        return Iterator(document: value.document, index: value.index + 1, end: Int(node.next))
    }
}

/// The members of a JSON object, in document order.
public struct JSONMembers: Sequence {
    let value: JSONValue

    public struct Iterator: IteratorProtocol {
        let document: JSONDocument
        var index: Int
        let end: Int

        public mutating func next() -> (key: JSONValue, value: JSONValue)? {
            guard index < end else { return nil }
            let key = JSONValue(document: document, index: index)
            let value = JSONValue(document: document, index: index + 1)
            index = Int(document.nodes[index + 1].next)
            return (key, value)
        }
    }

    public func makeIterator() -> Iterator {
        let node = value.node
        guard node.kind == .object else { return Iterator(document: value.document, index: 0, end: 0) }
        return Iterator(document: value.document, index: value.index + 1, end: Int(node.next))
    }
}
