/// A shell-style pattern over resources and names: `*` matches any run of characters (`/`
/// included), `?` one character; letters compare case-insensitively (docs/rules.md).
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let bytes: [UInt8]

    public init(_ pattern: String) {
        self.pattern = pattern
        bytes = pattern.utf8.map(\.asciiLowercased)
    }

    public var description: String { pattern }

    /// True when the pattern has no wildcard.
    public var isLiteral: Bool { !bytes.contains(UInt8(ascii: "*")) && !bytes.contains(UInt8(ascii: "?")) }

    public func matches(_ text: String) -> Bool {
        matches(lowercased: text.utf8.map(\.asciiLowercased))
    }

    /// ``matches(_:)`` for a subject already lowercased (ASCII) into UTF-8: one subject checked
    /// against many patterns is lowercased once.
    func matches(lowercased subject: [UInt8]) -> Bool {
        // Iterative matching with backtracking to the last star: linear in practice, no recursion.
        var p = 0, s = 0
        var starP = -1, starS = 0
        while s < subject.count {
            if p < bytes.count, bytes[p] == UInt8(ascii: "?") || bytes[p] == subject[s] {
                p += 1
                s += 1
            } else if p < bytes.count, bytes[p] == UInt8(ascii: "*") {
                starP = p
                starS = s
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starS += 1
                s = starS
            } else {
                return false
            }
        }
        while p < bytes.count, bytes[p] == UInt8(ascii: "*") { p += 1 }
        return p == bytes.count
    }
}
