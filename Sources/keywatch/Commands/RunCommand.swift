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
            Without --config: tails ./sample-logs, listens on 127.0.0.1:8514, stores in ./keywatch.db, \
            reads ./rules, and prints alerts on stdout. SIGTERM or SIGINT: the batch under way is committed, \
            then keywatch exits. Logs go to stderr (KEYWATCH_LOG_LEVEL: debug, info, warning, error). \
            Before starting, SQLite's quick_check reads every page of the store; a damaged store is named \
            and keywatch exits with status 2 (--check reads more, --skip-check nothing).
            """
    )

    @Option(help: "The configuration file (YAML; see SPEC §7).")
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

    /// The file's configuration, or the embedded defaults; a bad file exits with status 2.
    static func loadConfiguration(_ path: String?, command: String = "run") throws -> DaemonConfiguration {
        guard let path else { return DaemonConfiguration() }
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return try DaemonConfiguration.parse(text, file: path)
        } catch let error as ConfigurationError {
            Standard.error("keywatch \(command): \(error)")
            throw ExitCode(2)
        } catch {
            Standard.error("keywatch \(command): cannot read the configuration \(path): \(error.localizedDescription)")
            throw ExitCode(2)
        }
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
