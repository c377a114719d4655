import ArgumentParser
import Foundation
import KeywatchAlerting
import KeywatchCore
import KeywatchStore

/// `keywatch sinks test`: one test alert to each configured webhook and e-mail sink, now, and
/// what each answered — to check URLs, secrets, certificates and credentials before an alert
/// depends on them.
struct SinksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sinks",
        abstract: "Check the configured alert sinks.",
        subcommands: [Test.self],
        defaultSubcommand: Test.self
    )

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test alert to each webhook and e-mail sink and report the outcome (exit 1 if any failed).",
            discussion: "The test alert goes straight to the sinks, not through the store's outbox; it is tried once.")

        @Option(help: "The configuration file (YAML; see docs/configuration.md).")
        var config: String?

        func run() throws {
            let configuration = try RunCommand.loadConfiguration(config, command: "sinks test")
            let sinks: [any AlertSink]
            do {
                sinks = try ConfiguredSinks.make(configuration.sinks) { secret, what in try secret.resolve(for: what) }
            } catch {
                Standard.error("keywatch sinks test: \(error)")
                throw ExitCode(2)
            }
            guard !sinks.isEmpty else {
                Standard.error("keywatch sinks test: no webhook or e-mail sink is configured\(config.map { " in \($0)" } ?? "")")
                throw ExitCode(2)
            }
            let alert = OutgoingAlert(Self.testAlert(at: .now))
            var failed = false
            for sink in sinks {
                let started = Date()
                do {
                    let answer = try sink.deliver(alert, isCancelled: { false })
                    Standard.out("\(sink.name): delivered (\(answer), \(Self.milliseconds(since: started)) ms)")
                } catch {
                    failed = true
                    Standard.out("\(sink.name): FAILED: \(error)")
                }
            }
            if failed { throw ExitCode(1) }
        }

        static func milliseconds(since start: Date) -> Int { Int(Date().timeIntervalSince(start) * 1000) }

        /// An alert of the shape of docs/alerts.md that says it is a test.
        static func testAlert(at now: Timestamp) -> Alert {
            Alert(id: "kw-test-\(now.seconds)", key: "keywatch-sinks-test-\(now.seconds)", rule: "keywatch-sinks-test",
                  title: "keywatch test alert", severity: .low, group: [], count: 0, window: nil, firstSeen: now, lastSeen: now,
                  summary: "A test alert sent by `keywatch sinks test`: nothing is wrong.", details: [], events: [],
                  ruleFile: "", ruleSHA256: "")
        }
    }
}
