/// The kind of a JSON value.
public enum JSONKind: UInt8, Sendable {
    case object, array, string, number, `true`, `false`, null
}

/// One value in a parsed document's node table.
///
/// Nodes are stored in document order. A container's members follow it (for objects, each key
/// node is followed by its value's nodes); `next` is the index just past its last descendant, which
/// lets lookups skip whole subtrees.
struct JSONNode {
    var kind: JSONKind
    /// For strings: the contents hold at least one backslash escape.
    var escaped: Bool
    /// For strings, the first byte after the opening quote; otherwise the value's first byte.
    var start: UInt32
    /// For strings, the offset of the closing quote; otherwise just past the value.
    var end: UInt32
    /// Index of the first node after this value's subtree.
    var next: UInt32

    @inline(__always)
    init(kind: JSONKind, escaped: Bool = false, start: Int, end: Int, next: Int = 0) {
        self.kind = kind
        self.escaped = escaped
        self.start = UInt32(truncatingIfNeeded: start)
        self.end = UInt32(truncatingIfNeeded: end)
        self.next = UInt32(truncatingIfNeeded: next)
    }
}
