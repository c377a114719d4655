import ArgumentParser
import Foundation
import KeywatchCore
import KeywatchIngest

/// `keywatch rules check|test [--rules DIR]` (or the directory as an argument).
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Validate rules, and run their tests.",
        subcommands: [Check.self, Test.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every rule file and identities.yaml; print each problem with file, line and key.",
            discussion: """
                Every value is checked against its field: outcome, class, source, reason, principal_type and \
                resource_type take one of their values (a contains, startswith, endswith or re pattern must \
                match one), durations and modifiers must be ones keywatch reads. Every problem of every rule \
                is printed, as file:line: rule <id>: key: message. \
                Exit status: 0 when all are valid, 1 when some are not, 2 when the directory cannot be read.
                """
        )

        @OptionGroup var location: RulesLocation

        func run() throws {
            let loaded = try RulesCommand.load(location.directory)
            Standard.error("\(loaded.rules.count) rule\(loaded.rules.count == 1 ? "" : "s") in \(loaded.files.count) file\(loaded.files.count == 1 ? "" : "s"): valid")
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run each rule's tests: its fixture events through the rule, and the alerts they must raise.",
            discussion: "Exit status: 0 when every test passes, 1 when one fails or a rule is invalid."
        )

        @OptionGroup var location: RulesLocation

        func run() throws {
            let loaded = try RulesCommand.load(location.directory)
            var passed = 0, failed = 0
            for rule in loaded.rules {
                for test in rule.tests {
                    let base = (rule.file as NSString).deletingLastPathComponent
                    let path = (base as NSString).appendingPathComponent(test.events)
                    let place = "\(rule.file):\(test.line): \(rule.id)"
                    guard let data = FileManager.default.contents(atPath: path) else {
                        Standard.out("FAIL \(place): cannot read the events file \(path)")
                        failed += 1
                        continue
                    }
                    let outcome = RuleTesting.run(test, of: rule, events: Array(data), identities: loaded.identities)
                    if outcome.passed {
                        passed += 1
                        Standard.out("ok   \(place) (\(outcome.alerts.count) alert\(outcome.alerts.count == 1 ? "" : "s"))")
                    } else {
                        failed += 1
                        Standard.out("FAIL \(place)")
                        for failure in outcome.failures { Standard.out("     " + TerminalText.escape(failure)) }
                    }
                }
            }
            let untested = loaded.rules.filter(\.tests.isEmpty).count
            Standard.flush()
            Standard.error("\(passed) passed, \(failed) failed; \(untested) rule\(untested == 1 ? "" : "s") without tests")
            if failed > 0 { throw ExitCode(1) }
        }
    }

    /// Where the rules are: `--rules DIR`, as `ingest` and `run` name them, or the directory as
    /// an argument, as earlier versions took it.
    struct RulesLocation: ParsableArguments {
        @Option(name: .customLong("rules"), help: "The rules directory (default: rules).")
        var option: String?

        @Argument(help: "The rules directory, as --rules gives it.")
        var argument: String?

        var directory: String { option ?? argument ?? "rules" }

        func validate() throws {
            if let option, let argument, option != argument {
                throw ValidationError("give the rules directory once: --rules \(option) or \(argument)")
            }
        }
    }

    /// The directory's rules, or every problem printed and exit status 1 (2 when unreadable).
    static func load(_ directory: String) throws -> RuleDirectory {
        do {
            return try RuleDirectory.load(directory)
        } catch {
            for problem in error.problems { Standard.error(TerminalText.escape(problem.description)) }
            let unreadable = error.problems.count == 1 && error.problems[0].line == nil && error.problems[0].file == directory
            throw ExitCode(unreadable ? 2 : 1)
        }
    }
}
