import KeywatchCore

/// Fuzz target `configuration`: the input as the daemon's configuration file (`keywatch run
/// --config`). What must hold: it parses, or its error names the file and says what is wrong.
public enum ConfigurationFuzzing {
    static let file = "fuzz.yaml"

    public static func run(_ bytes: [UInt8]) -> FuzzOutcome {
        // `keywatch run` reads the file as UTF-8 and refuses one that is not, before parsing.
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return FuzzOutcome(summary: "refused: not UTF-8")
        }
        do {
            let configuration = try DaemonConfiguration.parse(text, file: file)
            return FuzzOutcome(summary: "parsed: \(configuration.tail.count) tails, \(configuration.sinks.count) sinks")
        } catch {
            let found = error.problems.isEmpty ? ["refused without a problem"] : error.problems.flatMap { violations(of: $0, file: file) }
            return FuzzOutcome(summary: "refused: \(error)", violations: found)
        }
    }

    /// What is wrong with an error about `file`: it must name the file, and say what is wrong.
    static func violations(of error: ConfigurationError, file: String) -> [String] {
        var found: [String] = []
        if error.file != file { found.append("an error names the file \(error.file), not \(file): \(error)") }
        if error.message.isEmpty { found.append("an error says nothing: \(error)") }
        if let line = error.line, line < 1 { found.append("an error names line \(line): \(error)") }
        return found
    }
}
