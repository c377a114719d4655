import Crypto
import Yams

/// Reading rule files: YAML with the rules under `rules:` (docs/rules.md). Every problem is reported
/// with the file, the line and the key (`rules[2].where.operation|startwith`).
public enum RuleFile {
    /// The file's rules; throws every problem when there is one.
    public static func parse(_ text: String, file: String) throws(ConfigurationProblems) -> [Rule] {
        try parse(text, file: file, types: .standard)
    }

    /// The file's rules, of the types `types` knows; throws every problem when there is one.
    static func parse(_ text: String, file: String, types: DetectorRegistry) throws(ConfigurationProblems) -> [Rule] {
        let found: (rules: [Rule], problems: [ConfigurationError])
        do {
            found = try read(text, file: file, types: types)
        } catch {
            throw ConfigurationProblems([error])
        }
        if !found.problems.isEmpty { throw ConfigurationProblems(found.problems) }
        return found.rules
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
            let reader = RuleReader(file: file, path: "rules[\(position)]", types: types)
            let (read, ruleProblems) = reader.read(node)
            problems += ruleProblems
            guard let rule = read else { continue }
            if let earlier = seen[rule.id] {
                problems.append(ConfigurationError(file: file, line: rule.line, rule: rule.id, key: "id",
                                                   message: "'\(rule.id)' is already the id of the rule at line \(earlier)"))
                continue
            }
            seen[rule.id] = rule.line
            rules.append(rule)
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

    /// The rule, or nil; and every problem of it, each naming the rule by its id (by its place
    /// in the file when the id is missing or invalid).
    func read(_ node: Node) -> (Rule?, [ConfigurationError]) {
        let problems = ProblemLog()
        guard let settings = problems.attempt({ () throws(ConfigurationError) in
            try RuleSettings(file: file, path: path, node: node, problems: problems)
        }) else { return (nil, problems.problems) }
        let id = problems.attempt { () throws(ConfigurationError) -> String in
            guard let id = try settings.text("id") else { throw settings.missing("id") }
            guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                throw failure(settings.value("id"), "id", "use letters, digits, '-', '_' and '.' only")
            }
            return id
        }
        let rule = read(settings, id: id, problems: problems)
        let named = problems.inFileOrder.map { labelled($0, id: id) }
        return (named.isEmpty ? rule : nil, named)
    }

    /// `problem` naming the rule `rule <id>` rather than `rules[2]`, which a reader has to count to.
    private func labelled(_ problem: ConfigurationError, id: String?) -> ConfigurationError {
        guard let id, let key = problem.key, key == path || key.hasPrefix(path + ".") else { return problem }
        var problem = problem
        problem.rule = id
        problem.key = key == path ? nil : String(key.dropFirst(path.count + 1))
        return problem
    }

    /// Reads every key, noting each problem and going on past it; nil when a problem leaves no
    /// rule to build (its type unknown, a key its type needs missing).
    private func read(_ settings: RuleSettings, id: String?, problems: ProblemLog) -> Rule? {
        var settings = settings
        let typeName = problems.attempt { () throws(ConfigurationError) -> String in
            guard let found = try settings.text("type") else { throw settings.missing("type") }
            return found
        }
        let type = typeName.flatMap(types.detector(named:))
        if let typeName, type == nil {
            problems.note(failure(settings.value("type"), "type",
                                  "unknown type '\(typeName)' (expected one of: \(types.names.joined(separator: ", ")))"))
        }
        // With its type unknown, a rule's keys are checked against those of every type.
        let ownKeys = type.map { Set($0.keys) } ?? Set(types.detectors.flatMap { $0.keys })
        for problem in YAMLSupport.unknownKeys(Self.commonKeys.union(ownKeys), in: settings.mapping, file: file, path: path) {
            problems.note(problem)
        }
        let severity = problems.attempt { () throws(ConfigurationError) -> Rule.Severity in
            let severityName = try settings.text("severity") ?? "medium"
            guard let severity = Rule.Severity(rawValue: severityName.lowercased()) else {
                throw failure(settings.value("severity"), "severity",
                              "unknown severity '\(severityName)' (expected info, low, medium, high or critical)")
            }
            return severity
        }
        let window = problems.attempt { () throws(ConfigurationError) in try settings.duration("window") } ?? nil
        settings = settings.with(window: window)
        let detector = type.flatMap { type in problems.attempt { () throws(ConfigurationError) in try type.init(reading: settings) } }
        if let type, type.needsWindow, window == nil, settings.value("window") == nil {
            problems.note(settings.missing("window", "a \(typeName ?? "") rule counts over a window of event time"))
        }
        let conditions = settings.conditions("where")
        if conditions == nil, type?.needsConditions == true { problems.note(settings.missing("where", "the conditions events must meet")) }
        let exceptions = settings.conditions("unless")
        let groupBy = problems.attempt { () throws(ConfigurationError) in try settings.fields("group_by") } ?? nil
        let lateness = problems.attempt { () throws(ConfigurationError) in try settings.duration("lateness") } ?? nil
        let suppress = problems.attempt { () throws(ConfigurationError) in try settings.duration("suppress") } ?? nil
        let tests = problems.attempt { () throws(ConfigurationError) in try self.tests(settings.value("tests")) }
        let title = problems.attempt { () throws(ConfigurationError) in try settings.text("title") } ?? nil
        guard problems.isEmpty, let id, let severity, let detector, let tests else { return nil }
        return Rule(
            id: id, title: title ?? id, severity: severity, detector: detector,
            conditions: conditions ?? [], exceptions: exceptions ?? [], groupBy: groupBy ?? [],
            window: window, lateness: lateness ?? Rule.defaultLateness, suppress: suppress, tests: tests,
            file: file, line: settings.node.line ?? 0)
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
