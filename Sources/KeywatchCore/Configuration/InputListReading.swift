import Yams

extension ConfigurationReader {
    /// An input list (`sqs:`, `s3:`, `eventhub:`): mappings each read by `read` (nil: its problems
    /// noted). An input listed twice — by `name` — is a problem: two readers of one queue, prefix
    /// or hub would share one name in the store, and a restart could not say whose positions are whose.
    func inputList<T>(_ node: Node, key: String, expected: String, name: (T) -> String,
                      _ read: (Node.Mapping, Node, String) -> T?) throws(ConfigurationError) -> [T] {
        if node.scalar?.string.isEmpty == true || node.scalar?.string == "null" { return [] }
        guard let sequence = node.sequence else { throw error(node, key, "expected \(expected)") }
        var items: [T] = []
        var seen: Set<String> = []
        for (index, item) in sequence.enumerated() {
            let itemKey = "\(key)[\(index)]"
            guard let mapping = noting({ () throws(ConfigurationError) in try YAMLSupport.mapping(item, file: file, key: itemKey) }),
                  let value = read(mapping, item, itemKey) else { continue }
            guard seen.insert(name(value)).inserted else {
                problems.note(error(item, itemKey, "\(name(value)) is listed twice"))
                continue
            }
            items.append(value)
        }
        return items
    }
}
