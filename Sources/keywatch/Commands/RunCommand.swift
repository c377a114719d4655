import ArgumentParser
import Foundation
import KeywatchCore
import KeywatchIngest
import KeywatchStore
import Logging
import ServiceLifecycle

/// `keywatch run`: the daemon — tail directories, receive pushes, detect, alert.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: tail log directories, receive HTTP pushes, store, detect, alert.",
        discussion: """
            Without --config, the demo runs: it tails ./sample-logs, listens on 127.0.0.1:8514, stores in \
            ./keywatch.db, reads ./rules, and prints alerts on stdout. A configuration file is the whole \
            configuration: it reads only the inputs it names (no tail: means no tailing, no http: no \
            listener; a file with neither is an error) and sends alerts only to the sinks it names. Every problem of the file, and every path it \
            names that is missing at start (tail directories, the rules directory), is printed as \
            file:line: key: message, and keywatch exits with status 2. SIGTERM or SIGINT: the batch under way is committed, \
            then keywatch exits. Logs go to stderr (KEYWATCH_LOG_LEVEL: debug, info, warning, error). \
            Before starting, SQLite's quick_check reads every page of the store; a damaged store is named \
            and keywatch exits with status 2 (--check reads more, --skip-check nothing).
            """
    )

    @Option(help: "The configuration file (YAML; see docs/configuration.md); without it, the demo configuration.")
    var config: String?

    @Flag(help: "Check the store thoroughly before starting: SQLite's integrity_check (every index against its table) instead of quick_check.")
    var check = false

    @Flag(help: "Start without checking the store: quick_check reads every page, about 6 s per GB when the store is not in the page cache.")
    var skipCheck = false

    func validate() throws {
        if check && skipCheck { throw ValidationError("--check and --skip-check cannot be given together") }
    }

    func run() throws {
        MallocTuning.keepLargeBuffersOutOfTheHeap()
        let configuration = try Self.loadConfiguration(config)
        let problems = configuration.startProblems()
        if !problems.isEmpty {
            Self.report(problems)
            throw ExitCode(2)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["KEYWATCH_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
        let logger = Logger(label: "keywatch")
        let daemon: Daemon
        do {
            if !skipCheck { try Self.checkStore(configuration.db, check ? .full : .quick, logger: logger) }
            daemon = try Daemon(configuration: configuration, logger: logger)
        } catch let error as ConfigurationProblems {
            Self.report(error.problems)
            throw ExitCode(2)
        } catch {
            Standard.error("keywatch run: \(error)")
            throw ExitCode(2)
        }
        let status = daemon.runUntilShutdown()
        if status != 0 { throw ExitCode(status) }
    }

    /// Runs `check` on the store, if there is one yet, and logs how long it took.
    static func checkStore(_ path: String, _ check: IntegrityCheck, logger: Logger) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let started = ContinuousClock.now
        try check.run(path: path)
        let seconds = (ContinuousClock.now - started) / .milliseconds(1) / 1000
        logger.info("store checked", metadata: ["check": "\(check.rawValue)", "seconds": "\(String(format: "%.2f", seconds))"])
    }

    /// The file's configuration, or the embedded demo without a file; a file that is missing,
    /// unreadable or wrong exits with status 2, every problem of it printed.
    static func loadConfiguration(_ path: String?, command: String = "run") throws -> DaemonConfiguration {
        guard let path else { return DaemonConfiguration() }
        let text: String
        do {
            text = try ConfigurationFile.read(path)
        } catch {
            Standard.error("keywatch \(command): \(TerminalText.escape(error.description))")
            throw ExitCode(2)
        }
        do {
            return try DaemonConfiguration.parse(text, file: path)
        } catch {
            report(error.problems, command: command)
            throw ExitCode(2)
        }
    }

    /// Prints each problem on a line of its own, as `keywatch run: file:line: key: message`.
    static func report(_ problems: [ConfigurationError], command: String = "run") {
        for problem in problems { Standard.error("keywatch \(command): \(TerminalText.escape(problem.description))") }
    }
}

/// Reading a configuration file's text, with what went wrong in plain words.
enum ConfigurationFile {
    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ path: String) throws(Unreadable) -> String {
        let named = "the configuration file \(path)"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Unreadable(description: "\(named) does not exist")
        }
        if isDirectory.boolValue { throw Unreadable(description: "\(named) is a directory, not a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Unreadable(description: "\(named) cannot be read (\(PathCheck.reason()))")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw Unreadable(description: "\(named) cannot be read (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Unreadable(description: "\(named) is not UTF-8 text") }
        return text
    }
}

/// A configuration problem found when the daemon starts: a secret that cannot be read.
struct StartupError: Error, CustomStringConvertible {
    var description: String
}

extension DaemonConfiguration.Secret {
    /// The secret's value, from its environment variable or file (trailing newline removed).
    func resolve(for what: String) throws -> String {
        switch self {
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw StartupError(description: "\(what): the environment variable \(name) is not set")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw StartupError(description: "\(what): cannot read the file \(path)")
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
            if value.isEmpty { throw StartupError(description: "\(what): the file \(path) is empty") }
            return value
        }
    }
}
