/// Recognizes an object's keys as cases of a `String`-backed enum in one pass over its members.
///
/// Normalizers read twenty-odd fields per record; looking each one up would rescan the object
/// every time. Walking the members once and switching on the matched case costs one length
/// check and, rarely, one comparison per member.
public struct JSONKeyTable<Key: RawRepresentable & CaseIterable> where Key.RawValue == String {
    private let byLength: [[(bytes: [UInt8], key: Key)]]

    public init() {
        var table: [[(bytes: [UInt8], key: Key)]] = Array(repeating: [], count: 65)
        for key in Key.allCases {
            let bytes = Array(key.rawValue.utf8)
            precondition(bytes.count < table.count, "key names are short")
            table[bytes.count].append((bytes, key))
        }
        byLength = table
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
        let base = key.document.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + Int(node.start)
        for candidate in candidates {
            let equal = candidate.bytes.withUnsafeBufferPointer { JSONValue.bytesEqual(base, $0.baseAddress!, length, false) }
            if equal { return candidate.key }
        }
        return nil
    }

    private func matchEscaped(_ key: JSONValue) -> Key? {
        guard let name = key.string else { return nil }
        return Key.allCases.first { $0.rawValue == name }
    }
}
