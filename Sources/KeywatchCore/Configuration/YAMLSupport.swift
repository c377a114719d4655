import Yams

/// Reading typed values out of a YAML node tree, with the line of every problem.
enum YAMLSupport {
    /// The node tree of a YAML text; nil for an empty document.
    ///
    /// Aliases are expanded into the tree, so a few lines of nested aliases ("billion laughs")
    /// would make a tree of billions of values for every reader to walk. The text is measured
    /// first (``YAMLExpansion``): past ``maximumValues(forBytes:)`` values or ``maximumDepth``
    /// levels, aliases expanded, it is refused before it is composed.
    static func compose(_ text: String, file: String) throws(ConfigurationError) -> Node? {
        do {
            _ = try YAMLExpansion.measure(text, limit: maximumValues(forBytes: text.utf8.count), maximumDepth: maximumDepth)
        } catch {
            switch error.limit {
            case .values:
                throw ConfigurationError(file: file, line: error.line, key: nil, message: """
                    YAML aliases expand to more than \(maximumValues(forBytes: text.utf8.count)) values \
                    (four per byte of the file): write the repeated values out, or use fewer nested aliases
                    """)
            case .depth:
                throw ConfigurationError(file: file, line: error.line, key: nil,
                                         message: "YAML nested more than \(maximumDepth) levels deep (aliases expanded)")
            }
        }
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        } catch {
            throw ConfigurationError(file: file, line: nil, key: nil, message: "\(error)")
        }
    }

    /// Levels of nesting a file may have, aliases expanded (libyaml's own limit without them).
    static let maximumDepth = 1000

    /// Values a file of `bytes` bytes may expand to: four per byte (a file without aliases has
    /// fewer values than bytes), and never fewer than 100,000.
    static func maximumValues(forBytes bytes: Int) -> Int { max(100_000, 4 * bytes) }

    static func syntaxError(_ error: YamlError, file: String) -> ConfigurationError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let what = [context?.description, problem].compactMap { $0 }.joined(separator: ": ")
                .split(whereSeparator: \.isNewline).joined(separator: " ")
            return ConfigurationError(file: file, line: mark.line, key: nil, message: "YAML syntax error: \(what)")
        case .composer(let context, let problem, let mark, _):
            let what = [context?.description, problem].compactMap { $0 }.joined(separator: ": ")
            return ConfigurationError(file: file, line: mark.line, key: nil, message: "YAML error: \(what)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams names the mapping, not the second key: its line is where the mapping starts.
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return ConfigurationError(file: file, line: context.mark.line, key: nil,
                                      message: "\(keys) written more than once in the mapping that starts here: give each key once")
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

    /// A duration (`90s`, `15m`, `24h`, `7d`) up to ``EventDuration/maximum``, longer than zero
    /// unless `allowZero`; `example` ends the message "expected a duration such as …".
    static func duration(_ node: Node, file: String, key: String, example: String, allowZero: Bool = false)
        throws(ConfigurationError) -> EventDuration
    {
        try duration(node, file: file, key: key, expected: "expected a duration such as \(example)") { duration in
            duration.microseconds > 0 || (allowZero && duration.microseconds == 0)
        }
    }

    /// A duration within `range`; out of it, the message names the range.
    static func duration(_ node: Node, file: String, key: String, within range: ClosedRange<EventDuration>, example: String)
        throws(ConfigurationError) -> EventDuration
    {
        try duration(node, file: file, key: key,
                     expected: "expected a duration from \(range.lowerBound) to \(range.upperBound), such as \(example)") {
            range.contains($0)
        }
    }

    /// A duration `accepts`, or the error `expected` names (one of its own for a span past
    /// ``EventDuration/maximum``).
    private static func duration(_ node: Node, file: String, key: String, expected: String,
                                 accepts: (EventDuration) -> Bool) throws(ConfigurationError) -> EventDuration {
        let refusal = ConfigurationError(file: file, line: node.line, key: key, message: expected)
        guard let text = node.scalar?.string else { throw refusal }
        let duration: EventDuration
        do {
            duration = try EventDuration(validating: text)
        } catch .tooLong {
            throw ConfigurationError(file: file, line: node.line, key: key, message: "\(DurationError.tooLong(text))")
        } catch {
            throw refusal
        }
        guard accepts(duration) else { throw refusal }
        return duration
    }

    static func allowOnly(_ keys: Set<String>, in mapping: Node.Mapping, file: String, path: String) throws(ConfigurationError) {
        if let first = unknownKeys(keys, in: mapping, file: file, path: path).first { throw first }
    }

    /// A problem for each key of `mapping` that `keys` lacks, naming the keys there are.
    static func unknownKeys(_ keys: Set<String>, in mapping: Node.Mapping, file: String, path: String) -> [ConfigurationError] {
        mapping.compactMap { keyNode, _ in
            let key = keyNode.scalar?.string ?? ""
            guard !keys.contains(key) else { return nil }
            return ConfigurationError(file: file, line: keyNode.line, key: path.isEmpty ? key : "\(path).\(key)",
                                      message: "unknown key (expected one of: \(keys.sorted().joined(separator: ", ")))")
        }
    }
}

extension Node {
    /// The 1-based line the node starts on.
    var line: Int? { mark.map { $0.line } }
}
