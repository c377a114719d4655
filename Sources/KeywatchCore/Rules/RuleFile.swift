import Crypto
import Yams

/// Reading rule files: YAML with the rules under `rules:` (SPEC §3). Every problem is reported
/// with the file, the line and the key (`rules[2].where.operation|startwith`).
public enum RuleFile {
    /// The file's rules; throws the first problem.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> [Rule] {
        let (rules, problems) = try read(text, file: file)
        if let first = problems.first { throw first }
        return rules
    }

    /// The file's valid rules, and a problem for each rule that is not: one bad rule does not
    /// hide the problems of the next. Throws when the file as a whole is not a rule file.
    public static func read(_ text: String, file: String) throws(ConfigurationError) -> (rules: [Rule], problems: [ConfigurationError]) {
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
                let rule = try RuleReader(file: file, path: "rules[\(position)]").read(node)
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

/// Reads one rule's mapping.
private struct RuleReader {
    let file: String
    let path: String

    static let commonKeys: Set<String> = [
        "id", "title", "severity", "type", "where", "unless", "group_by", "window", "lateness", "suppress", "tests",
        "description",
    ]
    static let ownKeys: [String: Set<String>] = [
        "match": [], "threshold": ["threshold"], "distinct": ["field", "threshold"],
        "spike": ["baseline", "factor", "min_count"], "first_seen": ["fields", "learn"], "cross_namespace": [], "absence": [],
    ]

    func failure(_ node: Node?, _ key: String?, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node?.line, key: key.map { "\(path).\($0)" } ?? path, message: message)
    }

    func read(_ node: Node) throws(ConfigurationError) -> Rule {
        let rule = node
        let mapping = try YAMLSupport.mapping(node, file: file, key: path)
        func value(_ key: String) -> Node? { mapping[key] }
        func text(_ key: String) throws(ConfigurationError) -> String? {
            guard let node = value(key) else { return nil }
            guard let scalar = node.scalar, !scalar.string.isEmpty else { throw failure(node, key, "expected a non-empty string") }
            return scalar.string
        }
        func required(_ key: String) throws(ConfigurationError) -> String {
            guard let found = try text(key) else { throw failure(node, nil, "missing '\(key)'") }
            return found
        }

        let id = try required("id")
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw failure(value("id"), "id", "use letters, digits, '-', '_' and '.' only")
        }
        let typeName = try required("type")
        guard let own = Self.ownKeys[typeName] else {
            throw failure(value("type"), "type", "unknown type '\(typeName)' (expected one of: \(Self.ownKeys.keys.sorted().joined(separator: ", ")))")
        }
        try YAMLSupport.allowOnly(Self.commonKeys.union(own), in: mapping, file: file, path: path)
        let severityName = try text("severity") ?? "medium"
        guard let severity = Rule.Severity(rawValue: severityName.lowercased()) else {
            throw failure(value("severity"), "severity", "unknown severity '\(severityName)' (expected info, low, medium, high or critical)")
        }

        let window = try duration("window", value("window"))
        let kind: Rule.Kind
        switch typeName {
        case "match": kind = .match
        case "threshold": kind = .threshold(try count("threshold", value("threshold"), required: true, in: node)!)
        case "distinct":
            guard let field = try text("field") else { throw failure(node, nil, "missing 'field' (the field whose distinct values count)") }
            kind = .distinct(field: try ruleField(field, value("field"), "field"),
                             threshold: try count("threshold", value("threshold"), required: true, in: node)!)
        case "spike":
            guard let baseline = try duration("baseline", value("baseline")) else {
                throw failure(node, nil, "missing 'baseline' (how much history the mean covers, e.g. 24h)")
            }
            let factor = try number("factor", value("factor")) ?? 3
            guard factor > 1 else { throw failure(value("factor"), "factor", "must be more than 1") }
            kind = .spike(baseline: baseline, factor: factor, minimumCount: try count("min_count", value("min_count"), required: false) ?? 10)
        case "first_seen":
            guard let fieldsNode = value("fields") else { throw failure(node, nil, "missing 'fields' (the combination that is new)") }
            kind = .firstSeen(fields: try ruleFields(fieldsNode, "fields"),
                              learn: try duration("learn", value("learn"), allowZero: true) ?? .days(7))
        case "cross_namespace": kind = .crossNamespace
        default: kind = .absence
        }
        switch kind {
        case .threshold, .distinct, .spike, .absence:
            if window == nil { throw failure(node, nil, "missing 'window' (a \(typeName) rule counts over a window of event time)") }
        case .match, .firstSeen, .crossNamespace:
            break
        }
        if case .spike(let baseline, _, _) = kind, let window, baseline < window {
            throw failure(value("baseline"), "baseline", "must cover at least one window (\(window))")
        }

        return Rule(
            id: id, title: try text("title") ?? id, severity: severity, kind: kind,
            conditions: try conditions("where", required: kind != .absence),
            exceptions: try conditions("unless", required: false),
            groupBy: try value("group_by").map { node throws(ConfigurationError) in try ruleFields(node, "group_by") } ?? [],
            window: window, lateness: try duration("lateness", value("lateness")) ?? Rule.defaultLateness,
            suppress: try duration("suppress", value("suppress")), tests: try tests(value("tests")),
            file: file, line: node.line ?? 0)

        func conditions(_ key: String, required: Bool) throws(ConfigurationError) -> [FieldCondition] {
            guard let node = value(key) else {
                if required { throw failure(rule, nil, "missing '\(key)' (the conditions events must meet)") }
                return []
            }
            let entries = try YAMLSupport.mapping(node, file: file, key: "\(path).\(key)")
            var conditions: [FieldCondition] = []
            for (keyNode, valueNode) in entries {
                let name = keyNode.scalar?.string ?? ""
                let values: [String]
                if let scalar = valueNode.scalar {
                    values = [scalar.string]
                } else if let sequence = valueNode.sequence, sequence.allSatisfy({ $0.scalar != nil }) {
                    values = sequence.map { $0.scalar!.string }
                } else {
                    throw failure(valueNode, "\(key).\(name)", "expected a value or a list of values")
                }
                do {
                    conditions.append(try FieldCondition(key: name, values: values))
                } catch {
                    throw failure(keyNode, "\(key).\(name)", error.message)
                }
            }
            return conditions
        }
    }

    func ruleField(_ name: String, _ node: Node?, _ key: String) throws(ConfigurationError) -> RuleField {
        do {
            return try RuleField.named(name)
        } catch {
            throw failure(node, key, error.message)
        }
    }

    func ruleFields(_ node: Node, _ key: String) throws(ConfigurationError) -> [RuleField] {
        let names = try YAMLSupport.strings(node, file: file, key: "\(path).\(key)")
        guard !names.isEmpty else { throw failure(node, key, "expected at least one field") }
        var fields: [RuleField] = []
        for name in names { fields.append(try ruleField(name, node, key)) }
        return fields
    }

    func duration(_ key: String, _ node: Node?, allowZero: Bool = false) throws(ConfigurationError) -> EventDuration? {
        guard let node else { return nil }
        return try YAMLSupport.duration(node, file: file, key: "\(path).\(key)", example: "90s, 10m, 1h or 7d", allowZero: allowZero)
    }

    func count(_ key: String, _ node: Node?, required: Bool, in rule: Node? = nil) throws(ConfigurationError) -> Int? {
        guard let node else {
            if required { throw failure(rule, nil, "missing '\(key)'") }
            return nil
        }
        guard let text = node.scalar?.string, let value = Int(text), value >= 1 else {
            throw failure(node, key, "expected a whole number of at least 1")
        }
        return value
    }

    func number(_ key: String, _ node: Node?) throws(ConfigurationError) -> Double? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, let value = Double(text), value.isFinite else {
            throw failure(node, key, "expected a number")
        }
        return value
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
