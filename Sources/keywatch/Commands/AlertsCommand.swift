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
        static let configuration = CommandConfiguration(
            abstract: "Stored alerts, newest first.",
            discussion: """
                --since is about the events: alerts whose first evidence event is at or after it (event \
                time, as the logs say). --raised-since is about keywatch: alerts it stored at or after it \
                (wall clock): what is new since you last looked, even when the logs were old when ingested.
                """)

        @Option(help: "The store.")
        var db = "keywatch.db"

        @Option(help: "Alerts whose first event is at or after this time (event time; RFC 3339, or 15m, 24h, 7d ago).")
        var since: String?

        @Option(help: "Alerts raised (stored by keywatch) at or after this time (wall clock; RFC 3339, or 15m, 24h, 7d ago).")
        var raisedSince: String?

        @Option(help: "Only alerts of this rule (repeatable).")
        var rule: [String] = []

        @Option(help: "At most this many alerts; 0 for all.")
        var limit = 100

        @Option(help: "table, json (one alert per line) or csv.")
        var format: OutputFormat = .table

        @Flag(help: "After the matching alerts, keep printing new ones as they are raised, until interrupted (Ctrl-C).")
        var follow = false

        func run() throws {
            let now = Timestamp.now
            let since = try TimeOption.parse(self.since, "--since", now: now)
            let raisedSince = try TimeOption.parse(self.raisedSince, "--raised-since", now: now)
            // Read before the alerts: those raised in between are printed by the first poll, not missed.
            let last = follow ? try AlertsCommand.reader(db) { try $0.lastAlertSeq() } : 0
            let alerts = try AlertsCommand.reader(db) {
                try $0.alerts(since: since, raisedSince: raisedSince, rules: rule, limit: limit == 0 ? nil : limit)
            }.filter { !follow || $0.seq <= last }
            if format == .csv { Standard.out(CSV.line(AlertRows.csvHeader)) }
            var widths = try print(alerts, header: true, widths: nil)
            if alerts.isEmpty && format == .table && !follow { Standard.error("no alerts") }
            guard follow else { return }
            var seen = last
            try Following.run {
                // Oldest first as they come, unlike the first answer's newest first: a feed reads down.
                let new = try AlertsCommand.reader(db) { try $0.alerts(since: since, raisedSince: raisedSince, rules: rule, after: seen) }
                    .sorted { $0.seq < $1.seq }
                guard let newest = new.last else { return }
                seen = newest.seq
                widths = try print(new, header: widths == nil, widths: widths)
            }
        }

        /// Prints `alerts` in the format; a table's header only when `header`, in `widths` when
        /// given (following), else fitted to the terminal. Returns the table's widths.
        private func print(_ alerts: [StoredAlert], header: Bool, widths: [Int]?) throws -> [Int]? {
            switch format {
            case .json: for alert in alerts { Standard.out(alert.json) }
            case .csv: for alert in alerts { Standard.out(AlertRows.csv(alert)) }
            case .table:
                guard !alerts.isEmpty else { return widths }
                let deliveries = try AlertsCommand.reader(db) { try $0.deliveries(ofAlerts: alerts.map(\.id)) }
                let table = AlertRows.table(alerts, deliveries: deliveries)
                let layout = widths ?? table.widths(fitting: Terminal.width)
                if header { Standard.out(table.line(table.headers, widths: layout, colour: false)) }
                table.rows.forEach { Standard.out(table.line($0, widths: layout, cut: widths == nil || Terminal.width != nil)) }
                return layout
            }
            return widths
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One alert, and its evidence events in full.")

        @Argument(help: "The alert's id (or key).")
        var id: String

        @Option(help: "The store.")
        var db = "keywatch.db"

        @Option(help: "table (the alert, then its events), json (the alert, then one event per line) or csv (the alert's row with its header, an empty line, then the events' rows with theirs).")
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
            switch format {
            case .json:
                Standard.out(alert.json)
                for event in events { Standard.out(event.json(raw: nil)) }
                return
            case .csv:
                Standard.out(CSV.line(AlertRows.csvHeader))
                Standard.out(AlertRows.csv(alert))
                Standard.out("")
                var printer = EventPrinter(format: .csv, raw: false, fields: nil, streaming: false)
                for event in events { printer.print(event, raw: nil) }
                return
            case .table:
                break
            }
            for (name, value) in [("id", alert.id), ("rule", alert.rule), ("severity", alert.severity),
                                  ("status", AlertsCommand.status(of: alert, at: true)),
                                  ("first seen", alert.firstSeen.rfc3339), ("last seen", alert.lastSeen.rfc3339),
                                  ("count", String(alert.count)), ("summary", AlertsCommand.summary(of: alert)), ("key", alert.key)] {
                let text = TerminalText.escape(value)
                Standard.out(name.padding(toLength: 12, withPad: " ", startingAt: 0) + (name == "severity" ? SeverityColour.paint(text, severity: value) : text))
            }
            Standard.out("")
            // query's columns (REASON when an event is not a success), and each event's key.
            let columns = EventColumn.defaults(reasons: events.contains { $0.outcome != .success })
                + [EventColumn(header: "KEY") { $0.key }]
            var table = Table(headers: columns.map(\.header))
            table.keepWhole = EventColumn.keptWhole(columns)
            for event in events { table.append(columns.map { $0.value(event) }) }
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
        try StoreAccess.reading(db, command: "alerts", body)
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
