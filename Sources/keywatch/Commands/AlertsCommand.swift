import ArgumentParser
import Foundation
import KeywatchCore
import KeywatchStore

/// `keywatch alerts list|show ID`: the stored alerts, and one alert with its evidence events.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Show stored alerts, or one alert with its evidence events.",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stored alerts, newest first.")

        @Option(help: "The store.")
        var db = "keywatch.db"

        @Option(help: "Alerts first seen at or after this time (RFC 3339, or 15m, 24h, 7d ago).")
        var since: String?

        @Option(help: "Only alerts of this rule (repeatable).")
        var rule: [String] = []

        @Option(help: "At most this many alerts; 0 for all.")
        var limit = 100

        @Option(help: "table or json (one alert per line, SPEC §4).")
        var format: OutputFormat = .table

        func run() throws {
            let since = try TimeOption.parse(self.since, "--since", now: Timestamp.now)
            let alerts = try AlertsCommand.reader(db) { try $0.alerts(since: since, rules: rule, limit: limit == 0 ? nil : limit) }
            if format == .json || format == .csv {
                for alert in alerts { Standard.out(alert.json) }
                return
            }
            guard !alerts.isEmpty else {
                Standard.error("no alerts")
                return
            }
            var table = Table(headers: ["ID", "FIRST SEEN", "SEVERITY", "RULE", "COUNT", "SUMMARY"])
            for alert in alerts {
                let summary = AlertsCommand.summary(of: alert)
                table.append([alert.id, alert.firstSeen.rfc3339, alert.severity, alert.rule, String(alert.count), summary])
            }
            table.render().forEach(Standard.out)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One alert, and its evidence events in full.")

        @Argument(help: "The alert's id (or key).")
        var id: String

        @Option(help: "The store.")
        var db = "keywatch.db"

        @Option(help: "table (the alert, then its events) or json (the alert, then one event per line).")
        var format: OutputFormat = .table

        func run() throws {
            guard let alert = try AlertsCommand.reader(db, { try $0.alert(id: id) }) else {
                Standard.error("keywatch alerts show: no alert '\(TerminalText.escape(id))'")
                throw ExitCode(1)
            }
            let evidence = AlertsCommand.evidenceKeys(of: alert)
            var filter = EventFilter()
            // Evidence lies within the alert's first and last seen: the time-ordered key finds it.
            filter.since = alert.firstSeen
            filter.until = alert.lastSeen + EventDuration(microseconds: 1)
            filter.keys = evidence
            let events = try AlertsCommand.reader(db) { try $0.events(matching: filter) }
            if format != .table {
                Standard.out(alert.json)
                for event in events { Standard.out(event.json(raw: nil)) }
                return
            }
            for (name, value) in [("id", alert.id), ("rule", alert.rule), ("severity", alert.severity),
                                  ("first seen", alert.firstSeen.rfc3339), ("last seen", alert.lastSeen.rfc3339),
                                  ("count", String(alert.count)), ("summary", AlertsCommand.summary(of: alert)), ("key", alert.key)] {
                Standard.out(TerminalText.escape("\(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(value)"))
            }
            Standard.out("")
            var table = Table(headers: ["TIME", "SOURCE", "OPERATION", "OUTCOME", "PRINCIPAL", "RESOURCE", "IP", "KEY"])
            for event in events {
                table.append([event.time.rfc3339, event.source.rawValue, event.operation, event.outcome.rawValue,
                              event.principalName ?? event.principal, event.objectName ?? event.resource, event.ip, event.key])
            }
            table.render().forEach(Standard.out)
            if events.count < evidence.count {
                Standard.error("\(evidence.count - events.count) evidence event(s) are no longer in the store")
            }
        }
    }

    /// Opens the store read-only and runs `body`; a missing store or a failure exits with status 2.
    static func reader<T>(_ db: String, _ body: (EventReader) throws -> T) throws -> T {
        guard FileManager.default.fileExists(atPath: db) else {
            Standard.error("keywatch alerts: no store at \(db) (use --db, or run `keywatch ingest` first)")
            throw ExitCode(2)
        }
        do {
            return try body(try EventReader(path: db))
        } catch {
            Standard.error("keywatch alerts: \(error)")
            throw ExitCode(2)
        }
    }

    static func summary(of alert: StoredAlert) -> String {
        field("summary", of: alert) ?? ""
    }

    static func evidenceKeys(of alert: StoredAlert) -> [String] {
        var bytes = Array(alert.json.utf8)
        return (try? bytes.withUnsafeMutableBytes { buffer in
            try JSONParser().parse(UnsafeRawBufferPointer(buffer)) { document in
                document.root["events"].map { $0.elements.compactMap(\.string) } ?? []
            }
        }) ?? []
    }

    static func field(_ name: String, of alert: StoredAlert) -> String? {
        var bytes = Array(alert.json.utf8)
        return try? bytes.withUnsafeMutableBytes { buffer in
            try JSONParser().parse(UnsafeRawBufferPointer(buffer)) { document in document.root.member(named: name)?.string }
        } ?? nil
    }
}
