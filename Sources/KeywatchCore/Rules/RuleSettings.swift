import Yams

/// One rule's YAML mapping, as its reader and its type's ``Detector`` read keys from it. Every
/// read that fails names the file, the line and the key (`rules[2].threshold`).
struct RuleSettings {
    let file: String
    /// Where the rule is in its file: `rules[2]`.
    let path: String
    let node: Node
    let mapping: Node.Mapping
    /// The rule's `window`, read before its type's own keys (a `spike` baseline must cover one).
    let window: EventDuration?
    /// Where ``conditions(_:)`` notes each problem of a condition and goes on to the next.
    let problems: ProblemLog

    init(file: String, path: String, node: Node, problems: ProblemLog = ProblemLog()) throws(ConfigurationError) {
        self.file = file
        self.path = path
        self.node = node
        mapping = try YAMLSupport.mapping(node, file: file, key: path)
        window = nil
        self.problems = problems
    }

    private init(_ settings: RuleSettings, window: EventDuration?) {
        file = settings.file
        path = settings.path
        node = settings.node
        mapping = settings.mapping
        problems = settings.problems
        self.window = window
    }

    /// These settings with the rule's window read.
    func with(window: EventDuration?) -> RuleSettings { RuleSettings(self, window: window) }

    /// The node of `key`, if the rule has it.
    func value(_ key: String) -> Node? { mapping[key] }

    /// A problem with the value of `key` (or, for nil, with the rule as a whole).
    func problem(_ key: String?, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: (key.flatMap(value) ?? node).line, key: key.map { "\(path).\($0)" } ?? path,
                           message: message)
    }

    /// A key the rule lacks: `missing 'baseline' (how much history the mean covers, e.g. 24h)`.
    func missing(_ key: String, _ why: String? = nil) -> ConfigurationError {
        problem(nil, "missing '\(key)'" + (why.map { " (\($0))" } ?? ""))
    }

    /// What `read` returns — one of a type's own keys — or nil with its problem noted, so that a
    /// type reads all its keys and each problem is reported; it then throws ``noted``.
    func noting<T>(_ read: () throws(ConfigurationError) -> T) -> T? { problems.attempt(read) }

    /// The last problem noted: what a type throws once ``noting(_:)`` gave it a nil.
    var noted: ConfigurationError { problems.problems.last ?? problem(nil, "invalid") }

    /// A non-empty string.
    func text(_ key: String) throws(ConfigurationError) -> String? {
        guard let node = value(key) else { return nil }
        guard let scalar = node.scalar, !scalar.string.isEmpty else { throw problem(key, "expected a non-empty string") }
        return scalar.string
    }

    /// A whole number of at least 1.
    func count(_ key: String) throws(ConfigurationError) -> Int? {
        guard let node = value(key) else { return nil }
        guard let text = node.scalar?.string, let value = Int(text), value >= 1 else {
            throw problem(key, "expected a whole number of at least 1")
        }
        return value
    }

    /// A finite number.
    func number(_ key: String) throws(ConfigurationError) -> Double? {
        guard let node = value(key) else { return nil }
        guard let text = node.scalar?.string, let value = Double(text), value.isFinite else {
            throw problem(key, "expected a number")
        }
        return value
    }

    /// A duration of event time: `90s`, `10m`, `1h`, `7d`.
    func duration(_ key: String, allowZero: Bool = false) throws(ConfigurationError) -> EventDuration? {
        guard let node = value(key) else { return nil }
        return try YAMLSupport.duration(node, file: file, key: "\(path).\(key)", example: "90s, 10m, 1h or 7d", allowZero: allowZero)
    }

    /// A field name: `principal`, `raw.requestParameters.keyId`.
    func field(_ key: String) throws(ConfigurationError) -> RuleField? {
        guard let name = try text(key) else { return nil }
        return try field(named: name, key)
    }

    /// A non-empty list of field names.
    func fields(_ key: String) throws(ConfigurationError) -> [RuleField]? {
        guard let node = value(key) else { return nil }
        let names = try YAMLSupport.strings(node, file: file, key: "\(path).\(key)")
        guard !names.isEmpty else { throw problem(key, "expected at least one field") }
        var fields: [RuleField] = []
        for name in names { fields.append(try field(named: name, key)) }
        return fields
    }

    /// Conditions as `where` and `unless` have them: a mapping of `field|modifier…` to a value
    /// or a list of values. Each problem is noted in ``problems`` — a condition's, or a value's
    /// outside its field's domain (``FieldDomain``) — and the reading goes on: the conditions
    /// returned are those without one.
    func conditions(_ key: String) -> [FieldCondition]? {
        guard let node = value(key) else { return nil }
        guard let entries = problems.attempt({ () throws(ConfigurationError) in
            try YAMLSupport.mapping(node, file: file, key: "\(path).\(key)")
        }) else { return [] }
        var conditions: [FieldCondition] = []
        for (keyNode, valueNode) in entries {
            let name = keyNode.scalar?.string ?? ""
            let entryKey = "\(path).\(key).\(name)"
            let valueNodes: [Node]
            if valueNode.scalar != nil {
                valueNodes = [valueNode]
            } else if let sequence = valueNode.sequence, sequence.allSatisfy({ $0.scalar != nil }) {
                valueNodes = Array(sequence)
            } else {
                problems.note(ConfigurationError(file: file, line: valueNode.line, key: entryKey, message: "expected a value or a list of values"))
                continue
            }
            let condition: FieldCondition
            do {
                condition = try FieldCondition(key: name, values: valueNodes.map { $0.scalar!.string })
            } catch {
                problems.note(ConfigurationError(file: file, line: keyNode.line, key: entryKey, message: error.message))
                continue
            }
            var valid = true
            for node in valueNodes {
                if let message = FieldDomain.problem(with: node.scalar!.string, in: condition) {
                    problems.note(ConfigurationError(file: file, line: node.line, key: entryKey, message: message))
                    valid = false
                }
            }
            if valid { conditions.append(condition) }
        }
        return conditions
    }

    private func field(named name: String, _ key: String) throws(ConfigurationError) -> RuleField {
        do {
            return try RuleField.named(name)
        } catch {
            throw problem(key, error.message)
        }
    }
}
