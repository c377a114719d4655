import Yams

extension IdentityMap {
    /// Reads `identities.yaml` text; errors name the file, line and key.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> IdentityMap {
        guard let root = try YAMLSupport.compose(text, file: file) else { return .empty }
        let document = try YAMLSupport.mapping(root, file: file, key: "")
        try YAMLSupport.allowOnly(["namespaces", "shared", "accounts", "organization", "decoys", "profiles"], in: document, file: file, path: "")
        var namespaces: [String: Namespace] = [:]
        if let node = document["namespaces"] {
            let entries = try YAMLSupport.mapping(node, file: file, key: "namespaces")
            for (keyNode, value) in entries {
                let name = try YAMLSupport.string(keyNode, file: file, key: "namespaces")
                let path = "namespaces.\(name)"
                guard !name.isEmpty else { throw ConfigurationError(file: file, line: keyNode.line, key: "namespaces", message: "a namespace needs a name") }
                let body = try YAMLSupport.mapping(value, file: file, key: path)
                try YAMLSupport.allowOnly(["principals", "resources", "profile"], in: body, file: file, path: path)
                var principals: [String] = []
                if let node = body["principals"] { principals = try YAMLSupport.strings(node, file: file, key: "\(path).principals") }
                var resources: [String] = []
                if let node = body["resources"] { resources = try YAMLSupport.strings(node, file: file, key: "\(path).resources") }
                var profile: OperationProfile?
                if let node = body["profile"] { profile = try Self.profile(node, file: file, key: "\(path).profile") }
                namespaces[name] = Namespace(principals: principals, resources: resources.map(Glob.init), profile: profile)
            }
        }
        var shared: [String] = []
        if let node = document["shared"] { shared = try YAMLSupport.strings(node, file: file, key: "shared") }
        // A principal may belong to one namespace only.
        var owners: [String: String] = [:]
        for name in namespaces.keys.sorted() {
            for principal in namespaces[name]!.principals {
                if let other = owners[principal.lowercased()], other != name {
                    throw ConfigurationError(file: file, line: nil, key: "namespaces.\(name).principals",
                                             message: "principal '\(principal)' is already in namespace '\(other)'")
                }
                owners[principal.lowercased()] = name
            }
        }
        var profiles: [String: OperationProfile] = [:]
        if let node = document["profiles"] { profiles = try principalProfiles(node, file: file) }
        var map = IdentityMap(namespaces: namespaces, shared: shared.map(Glob.init), profiles: profiles)
        if let node = document["accounts"] { map.accounts = try accounts(node, file: file, key: "accounts") }
        if let node = document["organization"] { map.organizations = try organizations(node, file: file, key: "organization") }
        if let node = document["decoys"] { map.decoys = try YAMLSupport.strings(node, file: file, key: "decoys").map(Glob.init) }
        return map
    }

    /// AWS account ids, one or a list (`accounts:` here and in the daemon's configuration).
    static func accounts(_ node: Node, file: String, key: String) throws(ConfigurationError) -> [String] {
        let accounts = try YAMLSupport.strings(node, file: file, key: key)
        if let bad = accounts.first(where: { !AWSAccountID.isAccountID($0) }) {
            throw ConfigurationError(file: file, line: node.line, key: key,
                                     message: "'\(bad)' is not an AWS account id (12 digits; quote it so YAML keeps leading zeros)")
        }
        return accounts
    }

    /// AWS organisation ids, one or a list (`organization:`).
    static func organizations(_ node: Node, file: String, key: String) throws(ConfigurationError) -> [String] {
        let organizations = try YAMLSupport.strings(node, file: file, key: key)
        if let bad = organizations.first(where: { !$0.hasPrefix("o-") }) {
            throw ConfigurationError(file: file, line: node.line, key: key, message: "'\(bad)' is not an AWS organization id (o-…)")
        }
        return organizations
    }
}
