/// A configuration file with a problem: which file, which line, which key, and what is wrong.
/// In a rule file, ``rule`` names the rule by its id: `rules/a.yaml:7: rule burst: where.outcome: …`.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// The id of the rule the problem is in, when it is in one whose id is known.
    public var rule: String?
    public var key: String?
    public var message: String

    public init(file: String, line: Int?, rule: String? = nil, key: String?, message: String) {
        self.file = file
        self.line = line
        self.rule = rule
        self.key = key
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let rule { location += ": rule \(rule)" }
        if let key { location += ": \(key)" }
        return "\(location): \(message)"
    }
}

/// Every problem found in a configuration file, a rule file or a rules directory, in the order
/// they were found: a reader notes a problem and goes on, so one run shows them all.
public struct ConfigurationProblems: Error, Equatable, Sendable, CustomStringConvertible {
    public var problems: [ConfigurationError]

    public init(_ problems: [ConfigurationError]) { self.problems = problems }

    /// One problem a line, each `file:line: key: message`.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// The problems a reader has noted so far. A class, so that the readers of a file's parts, passed
/// by value, note into one list.
final class ProblemLog {
    private(set) var problems: [ConfigurationError] = []

    var isEmpty: Bool { problems.isEmpty }

    /// The problems in the order of the file, as its reader goes through it (those found in the
    /// same line, or without one, in the order they were found).
    var inFileOrder: [ConfigurationError] {
        problems.enumerated().sorted { ($0.element.line ?? .max, $0.offset) < ($1.element.line ?? .max, $1.offset) }.map(\.element)
    }

    func note(_ problem: ConfigurationError) { problems.append(problem) }

    /// What `read` returns, or nil with its problem noted: the reading goes on past a mistake.
    /// A problem noted already (a part that noted its own, then threw one of them to say it
    /// could not be built) is not noted twice.
    func attempt<T>(_ read: () throws(ConfigurationError) -> T) -> T? {
        do {
            return try read()
        } catch {
            if !problems.contains(error) { problems.append(error) }
            return nil
        }
    }
}
