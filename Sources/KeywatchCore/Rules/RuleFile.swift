import Crypto
import Yams

/// Reading rule files: YAML with the rules under `rules:` (SPEC §3). Every problem is reported
/// with the file, the line and the key (`rules[2].where.operation|startwith`).
public enum RuleFile {
    /// The file's rules; throws the first problem.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> [Rule] {
        try parse(text, file: file, types: .standard)
    }

    /// The file's rules, of the types `types` knows; throws the first problem.
    static func parse(_ text: String, file: String, types: DetectorRegistry) throws(ConfigurationError) -> [Rule] {
        let (rules, problems) = try read(text, file: file, types: types)
        if let first = problems.first { throw first }
        return rules
    }

    /// The file's valid rules, and a problem for each rule that is not: one bad rule does not
    /// hide the problems of the next. Throws when the file as a whole is not a rule file.
    public static func read(_ text: String, file: String) throws(ConfigurationError) -> (rules: [Rule], problems: [ConfigurationError]) {
        try read(text, file: file, types: .standard)
    }

    static func read(_ text: String, file: String, types: DetectorRegistry) throws(ConfigurationError)
        -> (rules: [Rule], problems: [ConfigurationError]) {
        guard let root = try YAMLSupport.compose(text, file: file) else { return ([], []) }
        let document = try YAMLSupport.mapping(root, file: file, key: "")
        try YAMLSupport.allowOnly(["rules"], in: document, file: file, path: "")
        guard let list = document["rules"] else { return ([], []) }
        guard let sequence = list.sequence else {
            throw ConfigurationError(file: file, line: list.line, key: "rules", message: "expected a list of rules")
        }
        var rules: [Rule] = []
        var problems: [ConfigurationError] = []
        var seen: [String: Int] = [:]
        for (position, node) in sequence.enumerated() {
            do throws(ConfigurationError) {
                let rule = try RuleReader(file: file, path: "rules[\(position)]", types: types).read(node)
                if let earlier = seen[rule.id] {
                    throw ConfigurationError(file: file, line: rule.line, key: "rules[\(position)].id",
                                             message: "'\(rule.id)' is already the id of the rule at line \(earlier)")
                }
                seen[rule.id] = rule.line
                rules.append(rule)
            } catch {
                problems.append(error)
            }
        }
        let digest = String(decoding: CanonicalKey.hexBytes(SHA256.hash(data: Array(text.utf8))), as: UTF8.self)
        return (rules.map { rule in
            var rule = rule
            rule.fileSHA256 = digest
            return rule
        }, problems)
    }
}

/// Reads one rule's mapping: the keys every rule has here, its type's own keys by its ``Detector``.
private struct RuleReader {
    let file: String
    let path: String
    let types: DetectorRegistry

    static let commonKeys: Set<String> = [
        "id", "title", "severity", "type", "where", "unless", "group_by", "window", "lateness", "suppress", "tests",
        "description",
    ]

    func failure(_ node: Node?, _ key: String?, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node?.line, key: key.map { "\(path).\($0)" } ?? path, message: message)
    }

    func read(_ node: Node) throws(ConfigurationError) -> Rule {
        var settings = try RuleSettings(file: file, path: path, node: node)
        func value(_ key: String) -> Node? { settings.value(key) }
        func required(_ key: String) throws(ConfigurationError) -> String {
            guard let found = try settings.text(key) else { throw settings.missing(key) }
            return found
        }

        let id = try required("id")
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw failure(value("id"), "id", "use letters, digits, '-', '_' and '.' only")
        }
        let typeName = try required("type")
        guard let type = types.detector(named: typeName) else {
            throw failure(value("type"), "type", "unknown type '\(typeName)' (expected one of: \(types.names.joined(separator: ", ")))")
        }
        try YAMLSupport.allowOnly(Self.commonKeys.union(type.keys), in: settings.mapping, file: file, path: path)
        let severityName = try settings.text("severity") ?? "medium"
        guard let severity = Rule.Severity(rawValue: severityName.lowercased()) else {
            throw failure(value("severity"), "severity", "unknown severity '\(severityName)' (expected info, low, medium, high or critical)")
        }

        let window = try settings.duration("window")
        settings = settings.with(window: window)
        let detector = try type.init(reading: settings)
        if type.needsWindow, window == nil {
            throw settings.missing("window", "a \(typeName) rule counts over a window of event time")
        }

        return Rule(
            id: id, title: try settings.text("title") ?? id, severity: severity, detector: detector,
            conditions: try conditions("where", required: type.needsConditions),
            exceptions: try conditions("unless", required: false),
            groupBy: try settings.fields("group_by") ?? [],
            window: window, lateness: try settings.duration("lateness") ?? Rule.defaultLateness,
            suppress: try settings.duration("suppress"), tests: try tests(value("tests")),
            file: file, line: node.line ?? 0)

        func conditions(_ key: String, required: Bool) throws(ConfigurationError) -> [FieldCondition] {
            guard let conditions = try settings.conditions(key) else {
                if required { throw settings.missing(key, "the conditions events must meet") }
                return []
            }
            return conditions
        }
    }

    func tests(_ node: Node?) throws(ConfigurationError) -> [RuleTest] {
        guard let node else { return [] }
        guard let sequence = node.sequence else { throw failure(node, "tests", "expected a list of tests") }
        var tests: [RuleTest] = []
        for (position, item) in sequence.enumerated() {
            let key = "tests[\(position)]"
            let mapping = try YAMLSupport.mapping(item, file: file, key: "\(path).\(key)")
            try YAMLSupport.allowOnly(["events", "expect"], in: mapping, file: file, path: "\(path).\(key)")
            guard let events = mapping["events"]?.scalar?.string, !events.isEmpty else {
                throw failure(item, key, "missing 'events' (a file of fixture events, relative to the rule file)")
            }
            var expect: [[String: String]] = []
            if let list = mapping["expect"] {
                guard let alerts = list.sequence else { throw failure(list, "\(key).expect", "expected a list of alerts") }
                for alert in alerts {
                    expect.append(try flatten(alert, key: "\(key).expect"))
                }
            }
            tests.append(RuleTest(events: events, expect: expect, line: item.line ?? 0))
        }
        return tests
    }

    /// An expected alert as `field` / `group.field` → value text.
    func flatten(_ node: Node, key: String, prefix: String = "") throws(ConfigurationError) -> [String: String] {
        let mapping = try YAMLSupport.mapping(node, file: file, key: "\(path).\(key)")
        var result: [String: String] = [:]
        for (keyNode, valueNode) in mapping {
            let name = prefix + (keyNode.scalar?.string ?? "")
            if let scalar = valueNode.scalar {
                result[name] = scalar.string
            } else if valueNode.mapping != nil {
                result.merge(try flatten(valueNode, key: key, prefix: name + "."), uniquingKeysWith: { _, new in new })
            } else {
                throw failure(valueNode, "\(key).\(name)", "expected a value or a mapping")
            }
        }
        return result
    }
}
