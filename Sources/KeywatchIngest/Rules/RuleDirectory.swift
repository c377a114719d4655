import Foundation
import KeywatchCore

/// A rules directory (docs/rules.md): every `*.yaml` / `*.yml` file holds rules, except
/// `identities.yaml`, the identity map.
public struct RuleDirectory: Sendable {
    public var path: String
    public var rules: [Rule]
    public var identities: IdentityMap
    /// The rule files read, in order.
    public var files: [String]

    /// Reads every rule file and the identity map; a directory that does not exist has neither.
    /// - Throws: every problem found, each naming file, line and key.
    public static func load(_ path: String) throws(ConfigurationProblems) -> RuleDirectory {
        var problems: [ConfigurationError] = []
        var directory = RuleDirectory(path: path, rules: [], identities: .empty, files: [])
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationProblems([ConfigurationError(file: path, line: nil, key: nil, message: "no such rules directory")])
        }
        guard isDirectory.boolValue else {
            throw ConfigurationProblems([ConfigurationError(file: path, line: nil, key: nil, message: "not a directory")])
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        var seen: [String: String] = [:]
        for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let file = (path as NSString).appendingPathComponent(name)
            do {
                let text = try read(file)
                if name == "identities.yaml" || name == "identities.yml" {
                    directory.identities = try IdentityMap.parse(text, file: file)
                    continue
                }
                let (rules, fileProblems) = try RuleFile.read(text, file: file)
                problems += fileProblems
                directory.files.append(file)
                for rule in rules {
                    if let earlier = seen[rule.id] {
                        problems.append(ConfigurationError(file: file, line: rule.line, rule: rule.id, key: "id",
                                                           message: "'\(rule.id)' is already the id of a rule in \(earlier)"))
                        continue
                    }
                    seen[rule.id] = file
                    directory.rules.append(rule)
                }
            } catch {
                problems.append(error)
            }
        }
        if !problems.isEmpty { throw ConfigurationProblems(problems) }
        return directory
    }

    /// Reads only `<path>/identities.yaml`, when it exists.
    public static func identities(in path: String) throws(ConfigurationError) -> IdentityMap {
        let file = (path as NSString).appendingPathComponent("identities.yaml")
        guard FileManager.default.fileExists(atPath: file) else { return .empty }
        return try IdentityMap.parse(try read(file), file: file)
    }

    private static func read(_ file: String) throws(ConfigurationError) -> String {
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: file, line: nil, key: nil, message: "cannot read it: \(error.localizedDescription)")
        }
    }
}
