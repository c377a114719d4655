import KeywatchCore

/// An overview of the events of a span of event time (`keywatch stats`): how many by source,
/// outcome, class and hour, and the principals, denied resources and denial reasons seen most.
public struct EventStatistics: Sendable, Equatable {
    /// A value and how many events had it.
    public struct Count: Sendable, Equatable {
        /// The value as stored: a source, outcome or class name, a principal, a resource.
        public var value: String
        /// What a person knows it by, when the events say: a principal's `principal_name`, a
        /// resource's `object_name`, a denial reason's `error_code`.
        public var label: String?
        /// Events with the value in the span.
        public var count: Int

        public init(value: String, label: String? = nil, count: Int) {
            self.value = value
            self.label = label
            self.count = count
        }
    }

    /// The events of one hour of event time.
    public struct HourCount: Sendable, Equatable {
        /// The hour's first instant.
        public var hour: Timestamp
        /// Events of the hour in the span.
        public var count: Int
    }

    /// The span asked for: events at or after `since`, before `until`; nil is unbounded.
    public var since: Timestamp?
    public var until: Timestamp?
    /// Events in the span.
    public var total = 0
    /// Events whose outcome is `denied`: the base of the denial sections' shares.
    public var denied = 0
    /// Every source, outcome and class, in their enums' order, with 0 for the ones not seen.
    public var bySource: [Count] = []
    public var byOutcome: [Count] = []
    public var byClass: [Count] = []
    /// The hours that have events, oldest first.
    public var byHour: [HourCount] = []
    /// The most frequent principals, most first; `label` is the principal's name.
    public var topPrincipals: [Count] = []
    /// The resources of the most denied events, most first; `label` is the object's name.
    public var topDeniedResources: [Count] = []
    /// The reasons of denied events, most first: `value` is the denial reason (`rbac`,
    /// `identity-policy`, …), `label` the error code the service gave.
    public var topDenialReasons: [Count] = []

    public init() {}
}

extension EventReader {
    /// The statistics of the events at or after `since` and before `until`, with the `top` most
    /// frequent of each ranked section.
    ///
    /// Each section is one aggregate the store's layout serves without sorting the events: the
    /// counts by source, outcome and class are conditional sums over one pass of the time range
    /// (the primary key); hours and principals are read off the principal index, whose entries
    /// are a fraction of a row and ordered by hour; the denial sections read only denied events,
    /// through the partial index of unsuccessful outcomes.
    public func statistics(since: Timestamp?, until: Timestamp?, top: Int) throws -> EventStatistics {
        var statistics = EventStatistics()
        statistics.since = since
        statistics.until = until
        let range = StatisticsRange(since: since, until: until)
        try countCategories(range, into: &statistics)
        guard statistics.total > 0 else { return statistics }
        try countHours(range, into: &statistics)
        try rankPrincipals(range, top: top, into: &statistics)
        try rankDenials(range, top: top, into: &statistics)
        return statistics
    }

    /// The text of the `strings` id `expression` gives. Ranking queries look it up outside their
    /// grouping, for the rows they return only, not for every event.
    private static func text(_ expression: String) -> String {
        "(SELECT value FROM strings WHERE id = \(expression))"
    }

    private func countCategories(_ range: StatisticsRange, into statistics: inout EventStatistics) throws {
        func sums<T: CaseIterable & RawRepresentable>(_ column: String, _ type: T.Type) -> [String] {
            (0..<T.allCases.count).map { "sum(\(column) = \($0))" }
        }
        let columns = ["count(*)"] + sums("source", EventSource.self) + sums("outcome", Outcome.self) + sums("class", EventClass.self)
        let statement = try connection.prepare("SELECT \(columns.joined(separator: ", ")) FROM event_rows WHERE \(range.condition)")
        try statement.bind(range.arguments)
        guard try statement.step() else { return }
        var column: Int32 = 0
        func next() -> Int {
            defer { column += 1 }
            // A sum over no rows is NULL, which reads as 0.
            return Int(statement.int64(column))
        }
        func counts<T: CaseIterable & RawRepresentable>(_ type: T.Type) -> [EventStatistics.Count] where T.RawValue == String {
            T.allCases.map { EventStatistics.Count(value: $0.rawValue, count: next()) }
        }
        statistics.total = next()
        statistics.bySource = counts(EventSource.self)
        statistics.byOutcome = counts(Outcome.self)
        statistics.byClass = counts(EventClass.self)
        statistics.denied = statistics.byOutcome.first { $0.value == Outcome.denied.rawValue }?.count ?? 0
    }

    private func countHours(_ range: StatisticsRange, into statistics: inout EventStatistics) throws {
        // Grouped in the index's own order (hour first), so nothing is sorted.
        let statement = try connection.prepare("""
            SELECT time / \(EventHour.microseconds), count(*) FROM event_rows INDEXED BY event_rows_by_principal
            WHERE \(range.hourCondition) AND \(range.condition)
            GROUP BY time / \(EventHour.microseconds)
            """)
        try statement.bind(range.arguments)
        while try statement.step() {
            statistics.byHour.append(.init(hour: Timestamp(microseconds: EventHour.start(of: statement.int64(0))),
                                           count: Int(statement.int64(1))))
        }
    }

    private func rankPrincipals(_ range: StatisticsRange, top: Int, into statistics: inout EventStatistics) throws {
        let ranking = try connection.prepare("""
            SELECT p, \(Self.text("p")), n FROM (
                SELECT principal AS p, count(*) AS n FROM event_rows INDEXED BY event_rows_by_principal
                WHERE \(range.hourCondition) AND \(range.condition) AND principal IS NOT NULL
                GROUP BY principal ORDER BY n DESC, principal LIMIT \(top))
            """)
        try ranking.bind(range.arguments)
        var ranked: [(id: Int64, value: String, count: Int)] = []
        while try ranking.step() { ranked.append((ranking.int64(0), ranking.text(1) ?? "", Int(ranking.int64(2)))) }
        // A principal's name, from the names its events gave it (``EventNames``): one seek each.
        guard try EventNames.areKept(in: connection) else {
            statistics.topPrincipals = ranked.map { .init(value: $0.value, label: nil, count: $0.count) }
            return
        }
        let naming = try connection.prepare("""
            SELECT \(Self.text("name")) FROM event_names WHERE kind = \(EventNames.Kind.principal.rawValue) AND value = ?1 LIMIT 1
            """)
        for (id, value, count) in ranked {
            try naming.bind([.integer(id)])
            defer { naming.reset() }
            let name = try naming.step() ? naming.text(0) : nil
            statistics.topPrincipals.append(.init(value: value, label: name, count: count))
        }
    }

    private func rankDenials(_ range: StatisticsRange, top: Int, into statistics: inout EventStatistics) throws {
        guard statistics.denied > 0 else { return }
        // `outcome <> 0` restates the partial index's condition, so SQLite sees that it applies.
        let denied = "outcome = \(Outcome.denied.code) AND outcome <> 0 AND \(range.condition)"
        let resources = try connection.prepare("""
            SELECT \(Self.text("r")), \(Self.text("o")), n FROM (
                SELECT resource AS r, max(object_name) AS o, count(*) AS n FROM event_rows INDEXED BY event_rows_unsuccessful
                WHERE \(denied) AND resource IS NOT NULL
                GROUP BY resource ORDER BY n DESC, resource LIMIT \(top))
            """)
        try resources.bind(range.arguments)
        while try resources.step() {
            statistics.topDeniedResources.append(.init(
                value: resources.text(0) ?? "", label: resources.text(1), count: Int(resources.int64(2))))
        }
        let reasons = try connection.prepare("""
            SELECT reason, \(Self.text("e")), n FROM (
                SELECT reason, error_code AS e, count(*) AS n FROM event_rows INDEXED BY event_rows_unsuccessful
                WHERE \(denied)
                GROUP BY reason, error_code ORDER BY n DESC, reason, error_code LIMIT \(top))
            """)
        try reasons.bind(range.arguments)
        while try reasons.step() {
            let reason = reasons.isNull(0) ? nil : EventCodes.value(reasons.int64(0), as: DenialReason.self)
            statistics.topDenialReasons.append(.init(
                value: (reason ?? .unknown).rawValue, label: reasons.text(1), count: Int(reasons.int64(2))))
        }
    }
}

/// The span of event time statistics cover, as SQL conditions on `event_rows`: `?1` and `?2` are
/// its first microsecond and the one after its last.
private struct StatisticsRange {
    var arguments: [SQLiteValue]
    /// The time condition, which the primary key (and every index, which ends in time) serves.
    let condition = "time >= ?1 AND time < ?2"
    /// The same span in hours, for the indexes ordered by hour first: without it they are read whole.
    let hourCondition = "time / \(EventHour.microseconds) BETWEEN ?1 / \(EventHour.microseconds) AND ?2 / \(EventHour.microseconds)"

    init(since: Timestamp?, until: Timestamp?) {
        arguments = [.integer(since?.microseconds ?? .min), .integer(until?.microseconds ?? .max)]
    }
}
