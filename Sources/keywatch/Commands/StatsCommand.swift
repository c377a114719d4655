import ArgumentParser
import KeywatchCore
import KeywatchStore

/// `keywatch stats`: an overview of the stored events of a span of time — by source, outcome,
/// class and hour, and the principals, denied resources and denial reasons seen most.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "An overview of stored events: counts by source, outcome, class and hour; top principals, denied resources, denial reasons.",
        discussion: """
            Times are event times: RFC 3339 (2026-11-20T00:00:00Z) or a span before now (15m, 24h, 7d). \
            The table draws a bar per row, scaled to its section's largest count, with the count and its share \
            (of all events; of denied events in the denial sections). Principals show their name when the \
            events carry one (principal_name), denied resources their object name. --format json prints one \
            object with every section, its keys always present.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(help: "The store.")
    var db = "keywatch.db"

    @Option(help: "Events at or after this time (RFC 3339, or 15m, 24h, 7d ago).")
    var since: String?

    @Option(help: "Events before this time.")
    var until: String?

    @Option(help: "How many principals, denied resources and denial reasons to rank.")
    var top = 10

    @Option(help: "table or json (one object).")
    var format: Format = .table

    /// Hours the table shows at most: the newest ones (JSON has them all).
    static let tableHours = 48

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        let now = Timestamp.now
        let since = try TimeOption.parse(self.since, "--since", now: now)
        let until = try TimeOption.parse(self.until, "--until", now: now)
        let statistics = try StoreAccess.reading(db, command: "stats") { try $0.statistics(since: since, until: until, top: top) }
        switch format {
        case .json:
            Standard.out(statistics.json)
        case .table:
            guard statistics.total > 0 else {
                Standard.error("no events" + (since != nil || until != nil ? " in that time" : ""))
                return
            }
            for (index, section) in Self.sections(of: statistics).enumerated() {
                if index > 0 { Standard.out("") }
                section.render().forEach(Standard.out)
            }
        }
    }

    /// The table's sections, in the order an overview reads: how many, of what, when, who, what failed.
    static func sections(of statistics: EventStatistics) -> [BarChart] {
        let total = statistics.total
        var sections: [BarChart] = []
        func counts(_ title: String, _ counts: [EventStatistics.Count]) {
            var chart = BarChart(title: title, base: total)
            for count in counts where count.count > 0 { chart.append(count.value, count.count) }
            sections.append(chart)
        }
        counts("EVENTS BY SOURCE (\(Numbers.grouped(total)) events)", statistics.bySource)
        counts("BY OUTCOME", statistics.byOutcome)
        counts("BY CLASS", statistics.byClass)
        let hours = statistics.byHour.suffix(tableHours)
        let shown = hours.count < statistics.byHour.count
            ? " — the newest \(hours.count) of \(statistics.byHour.count) hours with events; narrow with --since, or --format json for all"
            : ""
        var byHour = BarChart(title: "BY HOUR (event time, UTC\(shown))", base: total)
        for hour in hours { byHour.append(EventStatistics.hourText(hour.hour), hour.count) }
        sections.append(byHour)
        var principals = BarChart(title: "TOP PRINCIPALS", base: total)
        for count in statistics.topPrincipals { principals.append(count.label ?? count.value, count.count) }
        sections.append(principals)
        if statistics.denied > 0 {
            var resources = BarChart(title: "TOP DENIED RESOURCES (\(Numbers.grouped(statistics.denied)) denied events)", base: statistics.denied)
            for count in statistics.topDeniedResources { resources.append(count.label ?? count.value, count.count) }
            sections.append(resources)
            var reasons = BarChart(title: "TOP DENIAL REASONS (reason, error code)", base: statistics.denied)
            for count in statistics.topDenialReasons {
                reasons.append(count.value + (count.label.map { " (\($0))" } ?? ""), count.count)
            }
            sections.append(reasons)
        }
        return sections
    }
}
