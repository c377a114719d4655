import Yams

extension IdentityMap {
    /// Reads `identities.yaml` text; errors name the file, line and key.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> IdentityMap {
        guard let root = try YAMLSupport.compose(text, file: file) else { return .empty }
        let document = try YAMLSupport.mapping(root, file: file, key: "")
        try YAMLSupport.allowOnly(["namespaces", "shared"], in: document, file: file, path: "")
        var namespaces: [String: Namespace] = [:]
        if let node = document["namespaces"] {
            let entries = try YAMLSupport.mapping(node, file: file, key: "namespaces")
            for (keyNode, value) in entries {
                let name = try YAMLSupport.string(keyNode, file: file, key: "namespaces")
                let path = "namespaces.\(name)"
                guard !name.isEmpty else { throw ConfigurationError(file: file, line: keyNode.line, key: "namespaces", message: "a namespace needs a name") }
                let body = try YAMLSupport.mapping(value, file: file, key: path)
                try YAMLSupport.allowOnly(["principals", "resources"], in: body, file: file, path: path)
                var principals: [String] = []
                if let node = body["principals"] { principals = try YAMLSupport.strings(node, file: file, key: "\(path).principals") }
                var resources: [String] = []
                if let node = body["resources"] { resources = try YAMLSupport.strings(node, file: file, key: "\(path).resources") }
                namespaces[name] = Namespace(principals: principals, resources: resources.map(Glob.init))
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
        return IdentityMap(namespaces: namespaces, shared: shared.map(Glob.init))
    }
}
