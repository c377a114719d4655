import Yams

extension IdentityMap {
    /// `profiles:`: principals (object or client ids, role ARNs, `system:serviceaccount:` subjects)
    /// and their own profiles. A principal listed twice (letters compared case-insensitively, as
    /// principals are looked up) is an error: which of its profiles applies would be a guess.
    static func principalProfiles(_ node: Node, file: String) throws(ConfigurationError) -> [String: OperationProfile] {
        let entries = try YAMLSupport.mapping(node, file: file, key: "profiles")
        var profiles: [String: OperationProfile] = [:]
        var lines: [String: Int] = [:]
        for (keyNode, value) in entries {
            let principal = try YAMLSupport.string(keyNode, file: file, key: "profiles")
            guard !principal.isEmpty else {
                throw ConfigurationError(file: file, line: keyNode.line, key: "profiles", message: "a profile needs the principal it is for")
            }
            let key = "profiles.\(principal)"
            if let earlier = lines[principal.lowercased()] {
                throw ConfigurationError(file: file, line: keyNode.line, key: key,
                                         message: "principal '\(principal)' already has a profile (line \(earlier)): give it one list")
            }
            lines[principal.lowercased()] = keyNode.line ?? 0
            profiles[principal] = try profile(value, file: file, key: key)
        }
        return profiles
    }

    /// A profile: one entry or a list of them — operations as the logs write them (`SecretGet`),
    /// globs over operations (`GenerateDataKey*`), built-ins by name (`secrets-reader`).
    static func profile(_ node: Node, file: String, key: String) throws(ConfigurationError) -> OperationProfile {
        let items: [Node]
        if node.scalar != nil {
            items = [node]
        } else if let sequence = node.sequence {
            items = Array(sequence)
        } else {
            throw ConfigurationError(file: file, line: node.line, key: key,
                                     message: "expected an operation, a built-in profile, or a list of them")
        }
        var entries: [OperationProfile.Entry] = []
        for item in items {
            let text = try YAMLSupport.string(item, file: file, key: key)
            // An empty scalar (`profile:` with nothing after it) is no entry: an empty profile.
            if text.isEmpty, items.count == 1 { break }
            entries.append(try entry(text, line: item.line, file: file, key: key))
        }
        guard !entries.isEmpty else {
            throw ConfigurationError(file: file, line: node.line, key: key, message: """
                an empty profile would make every operation an alert: list the operations expected \
                (e.g. [SecretGet]) or a built-in (\(BuiltInProfile.names.joined(separator: ", ")))
                """)
        }
        return OperationProfile(entries)
    }

    /// One entry of a profile. A name with no upper-case letter and no wildcard is a built-in's:
    /// every operation both clouds log is written in CamelCase, so `secrets-reader` (or a
    /// misspelt `decrypt`) is never taken for an operation no event will ever have.
    private static func entry(_ text: String, line: Int?, file: String, key: String) throws(ConfigurationError) -> OperationProfile.Entry {
        let allowed = text.utf8.allSatisfy { byte in
            (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?")
        }
        guard allowed, !text.isEmpty else {
            throw ConfigurationError(file: file, line: line, key: key, message: """
                '\(text)' is not an operation or a built-in profile: write an operation as the logs do \
                (SecretGet, GenerateDataKey*), and a list as [SecretGet, SecretList]
                """)
        }
        let glob = Glob(text)
        let hasUpperCase = text.utf8.contains { $0 &- UInt8(ascii: "A") < 26 }
        if hasUpperCase || !glob.isLiteral { return .operation(glob) }
        guard let builtIn = BuiltInProfile(rawValue: text) else {
            throw ConfigurationError(file: file, line: line, key: key, message: """
                unknown built-in profile '\(text)' (known: \(BuiltInProfile.names.joined(separator: ", "))); \
                an operation is written as the logs write it, e.g. SecretGet
                """)
        }
        return .builtIn(builtIn)
    }
}
