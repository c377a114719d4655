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

    private var tape: JSONTape
    /// Open containers: node index shifted left once, low bit set for objects.
    private let stack: UnsafeMutablePointer<UInt32>

    public init(maximumDepth: Int = 128) {
        self.maximumDepth = maximumDepth
        tape = JSONTape(capacity: 256)
        stack = .allocate(capacity: maximumDepth + 1)
    }

    deinit {
        tape.deallocate()
        stack.deallocate()
    }

    /// Parses one JSON value (surrounding whitespace allowed) and hands the document to `body`.
    ///
    /// The document borrows `bytes` and the parser's storage: it is valid only inside `body`.
    public func parse<Result>(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (JSONDocument) throws -> Result
    ) throws -> Result {
        try index(bytes, prefix: false)
        return try body(JSONDocument(bytes: bytes, nodes: tape.nodeBuffer))
    }

    /// Checks that `bytes` hold exactly one valid JSON value.
    public func validate(_ bytes: UnsafeRawBufferPointer) throws(JSONError) {
        try index(bytes, prefix: false)
    }

    /// Parses the JSON value at the start of `bytes` (more may follow it) and hands the document
    /// and the value's length to `body`. Throws if the value is invalid or does not end in `bytes`.
    public func parsePrefix<Result>(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (JSONDocument, Int) throws -> Result
    ) throws -> Result {
        let length = try index(bytes, prefix: true)
        let value = UnsafeRawBufferPointer(rebasing: bytes[0..<length])
        return try body(JSONDocument(bytes: value, nodes: tape.nodeBuffer), length)
    }

    /// Indexes one value; returns the offset just past it. Unless `prefix`, only whitespace may follow.
    @discardableResult
    private func index(_ buffer: UnsafeRawBufferPointer, prefix: Bool) throws(JSONError) -> Int {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else {
            throw JSONError(.empty, at: 0)
        }
        guard buffer.count < Int(Int32.max) else { throw JSONError(.trailingContent, at: Int(Int32.max)) }
        // The scan works on a local copy (kept in registers); the storage it may have grown is kept.
        var local = tape
        local.count = 0
        defer { tape = local }
        return try JSONScanner.scan(base, buffer.count, prefix: prefix, into: &local, stack: stack, maximumDepth: maximumDepth)
    }
}

/// The node table a parse fills: manually managed, reused from record to record.
struct JSONTape {
    private(set) var nodes: UnsafeMutablePointer<JSONNode>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        nodes = .allocate(capacity: capacity)
    }

    func deallocate() {
        nodes.deallocate()
    }

    var nodeBuffer: UnsafeBufferPointer<JSONNode> { UnsafeBufferPointer(start: nodes, count: count) }

    /// Appends a node whose subtree ends with itself (containers correct that when they close).
    @inline(__always)
    mutating func append(_ kind: JSONKind, escaped: Bool = false, start: Int, end: Int) {
        if count == capacity { grow() }
        (nodes + count).initialize(to: JSONNode(kind: kind, escaped: escaped, start: start, end: end, next: count &+ 1))
        count &+= 1
    }

    /// Ends the container at node `index` at byte `end`, after the nodes appended so far.
    @inline(__always)
    mutating func close(_ index: Int, end: Int) {
        nodes[index].end = UInt32(truncatingIfNeeded: end)
        nodes[index].next = UInt32(truncatingIfNeeded: count)
    }

    @inline(never)
    private mutating func grow() {
        let bigger = UnsafeMutablePointer<JSONNode>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: nodes, count: count)
        nodes.deallocate()
        nodes = bigger
        capacity *= 2
    }
}
