import Foundation

/// Recognizes an object's keys as cases of a `String`-backed enum in one pass over its members.
///
/// Normalizers read twenty-odd fields per record; looking each one up would rescan the object
/// every time. Walking the members once and switching on the matched case costs one length
/// check and, rarely, one comparison per member.
public struct JSONKeyTable<Key: RawRepresentable & CaseIterable> where Key.RawValue == String {
    /// A name as two words: its first and its last 8 bytes (overlapping, or zero-padded when shorter),
    /// which identify names of up to 16 bytes exactly; longer ones are compared byte by byte.
    private struct Candidate {
        var head: UInt64
        var tail: UInt64
        var bytes: [UInt8]
        var key: Key
    }

    private let byLength: [[Candidate]]

    public init() {
        var table: [[Candidate]] = Array(repeating: [], count: 65)
        for key in Key.allCases {
            let bytes = Array(key.rawValue.utf8)
            precondition(bytes.count < table.count, "key names are short")
            let (head, tail) = bytes.withUnsafeBytes { Self.words($0.baseAddress!, bytes.count) }
            table[bytes.count].append(Candidate(head: head, tail: tail, bytes: bytes, key: key))
        }
        byLength = table
    }

    @inline(__always)
    private static func words(_ base: UnsafeRawPointer, _ count: Int) -> (UInt64, UInt64) {
        if count >= 8 {
            return (base.loadUnaligned(as: UInt64.self), base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        }
        var head: UInt64 = 0
        for k in 0..<count { head |= UInt64(base.load(fromByteOffset: k, as: UInt8.self)) << (8 * k) }
        return (head, head)
    }

    /// The case whose name equals the key string `key` (compared exactly, after unescaping).
    @inline(__always)
    public func match(_ key: JSONValue) -> Key? {
        let node = key.node
        let length = Int(node.end &- node.start)
        guard !node.escaped else { return matchEscaped(key) }
        guard length < byLength.count else { return nil }
        let candidates = byLength[length]
        if candidates.isEmpty { return nil }
        let base = UnsafeRawPointer(key.document.bytes.baseAddress! + Int(node.start))
        let (head, tail) = Self.words(base, length)
        for candidate in candidates where candidate.head == head && candidate.tail == tail {
            if length <= 16 { return candidate.key }
            let equal = candidate.bytes.withUnsafeBytes { memcmp(base, $0.baseAddress!, length) == 0 }
            if equal { return candidate.key }
        }
        return nil
    }

    private func matchEscaped(_ key: JSONValue) -> Key? {
        guard let name = key.string else { return nil }
        return Key.allCases.first { $0.rawValue == name }
    }
}
