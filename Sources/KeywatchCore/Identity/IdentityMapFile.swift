import Yams

/// A configuration file with a problem: which file, which line, which key, and what is wrong.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int?, key: String?, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let key { location += ": \(key)" }
        return "\(location): \(message)"
    }
}

extension IdentityMap {
    /// Reads `identities.yaml` text; errors name the file, line and key.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> IdentityMap {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw YAMLSupport.syntaxError(error, file: file)
        } catch {
            throw ConfigurationError(file: file, line: nil, key: nil, message: "\(error)")
        }
        guard let root else { return .empty }
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

/// Reading typed values out of a YAML node tree, with the line of every problem.
enum YAMLSupport {
    static func syntaxError(_ error: YamlError, file: String) -> ConfigurationError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let what = [context?.description, problem].compactMap { $0 }.joined(separator: ": ")
            return ConfigurationError(file: file, line: mark.line, key: nil, message: "YAML syntax error: \(what)")
        case .composer(let context, let problem, let mark, _):
            let what = [context?.description, problem].compactMap { $0 }.joined(separator: ": ")
            return ConfigurationError(file: file, line: mark.line, key: nil, message: "YAML error: \(what)")
        default:
            return ConfigurationError(file: file, line: nil, key: nil, message: "YAML error: \(error)")
        }
    }

    static func mapping(_ node: Node, file: String, key: String) throws(ConfigurationError) -> Node.Mapping {
        guard let mapping = node.mapping else {
            throw ConfigurationError(file: file, line: node.line, key: key.isEmpty ? nil : key, message: "expected a mapping (key: value)")
        }
        return mapping
    }

    static func string(_ node: Node, file: String, key: String) throws(ConfigurationError) -> String {
        guard let scalar = node.scalar else {
            throw ConfigurationError(file: file, line: node.line, key: key, message: "expected a string")
        }
        return scalar.string
    }

    static func strings(_ node: Node, file: String, key: String) throws(ConfigurationError) -> [String] {
        if node.scalar != nil { return [try string(node, file: file, key: key)] }
        guard let sequence = node.sequence else {
            throw ConfigurationError(file: file, line: node.line, key: key, message: "expected a list of strings")
        }
        var values: [String] = []
        for item in sequence { values.append(try string(item, file: file, key: key)) }
        return values
    }

    static func allowOnly(_ keys: Set<String>, in mapping: Node.Mapping, file: String, path: String) throws(ConfigurationError) {
        for (keyNode, _) in mapping {
            let key = keyNode.scalar?.string ?? ""
            if !keys.contains(key) {
                let full = path.isEmpty ? key : "\(path).\(key)"
                throw ConfigurationError(file: file, line: keyNode.line, key: full,
                                         message: "unknown key (expected one of: \(keys.sorted().joined(separator: ", ")))")
            }
        }
    }
}

extension Node {
    /// The 1-based line the node starts on.
    var line: Int? { mark.map { $0.line } }
}
