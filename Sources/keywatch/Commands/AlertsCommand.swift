import ArgumentParser
import Foundation
import KeywatchCore
import KeywatchStore

/// `keywatch alerts list|show ID`: the stored alerts, and one alert with its evidence events.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Show stored alerts and their delivery, one alert with its evidence events, or retry a delivery.",
        subcommands: [List.self, Show.self, Retry.self],
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
            let deliveries = try AlertsCommand.reader(db) { try $0.deliveries(ofAlerts: alerts.map(\.id)) }
            var table = Table(headers: ["ID", "FIRST SEEN", "SEVERITY", "RULE", "STATUS", "COUNT", "DELIVERY", "SUMMARY"])
            for alert in alerts {
                let summary = AlertsCommand.summary(of: alert)
                let delivery = (deliveries[alert.id] ?? []).map(AlertsCommand.describe).joined(separator: " ")
                table.append([alert.id, alert.firstSeen.rfc3339, alert.severity, alert.rule, AlertsCommand.status(of: alert),
                              String(alert.count), delivery.isEmpty ? "-" : delivery, summary])
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
                                  ("status", AlertsCommand.status(of: alert, at: true)),
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
            let deliveries = try AlertsCommand.reader(db) { try $0.deliveries(ofAlerts: [alert.id]) }[alert.id] ?? []
            if !deliveries.isEmpty {
                Standard.out("")
                var sinks = Table(headers: ["SINK", "ANNOUNCES", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"])
                for delivery in deliveries {
                    sinks.append([delivery.sink, delivery.announces.rawValue, delivery.state.rawValue, String(delivery.attempts),
                                  delivery.state == .pending ? delivery.nextAttempt.rfc3339 : "-", delivery.lastError ?? "-"])
                }
                sinks.render().forEach(Standard.out)
            }
            if events.count < evidence.count {
                Standard.error("\(evidence.count - events.count) evidence event(s) are no longer in the store")
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver an alert again to the sinks it has not reached (dead or still retrying), now.",
            discussion: "The running daemon picks the deliveries up within seconds; their maximum age starts afresh.")

        @Argument(help: "The alert's id (or key).")
        var id: String

        @Option(help: "The store.")
        var db = "keywatch.db"

        func run() throws {
            guard try AlertsCommand.reader(db, { try $0.alert(id: id) }) != nil else {
                Standard.error("keywatch alerts retry: no alert '\(TerminalText.escape(id))'")
                throw ExitCode(1)
            }
            let sinks: [String]
            do {
                sinks = try Outbox(path: db).retry(alert: id, at: .now)
            } catch {
                Standard.error("keywatch alerts retry: \(error)")
                throw ExitCode(2)
            }
            if sinks.isEmpty {
                Standard.error("keywatch alerts retry: \(TerminalText.escape(id)) has nothing to retry (delivered to every sink, or no sink configured when it was raised)")
                throw ExitCode(1)
            }
            Standard.error("\(TerminalText.escape(id)): will be delivered again to \(sinks.map(TerminalText.escape).joined(separator: ", "))")
        }
    }

    /// `webhook:delivered`, `email:pending(3)`, `webhook:dead`; a resolution's delivery
    /// `webhook/resolved:pending`.
    static func describe(_ delivery: Delivery) -> String {
        let attempts = delivery.state == .pending && delivery.attempts > 0 ? "(\(delivery.attempts))" : ""
        let announces = delivery.announces == .resolved ? "/resolved" : ""
        return "\(delivery.sink)\(announces):\(delivery.state.rawValue)\(attempts)"
    }

    /// `firing` or `resolved` (with `at`, `resolved 2026-11-20T12:05:00Z`), as the stored JSON
    /// says; `?` when it cannot be read.
    static func status(of alert: StoredAlert, at: Bool = false) -> String {
        guard let read = try? Alert(json: alert.json) else { return "?" }
        guard at, let resolvedAt = read.resolvedAt else { return read.status.rawValue }
        return "resolved \(resolvedAt.rfc3339)"
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

    /// The alert's summary, or why its stored JSON cannot be read (a damaged row): the rest of
    /// the row is still shown.
    static func summary(of alert: StoredAlert) -> String {
        do {
            return try Alert(json: alert.json).summary
        } catch {
            return "(cannot read the stored alert: \(error))"
        }
    }

    /// The alert's evidence event keys; none when its stored JSON cannot be read.
    static func evidenceKeys(of alert: StoredAlert) -> [String] {
        (try? Alert(json: alert.json))?.events ?? []
    }
}
