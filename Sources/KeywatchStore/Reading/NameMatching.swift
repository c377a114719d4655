import KeywatchCore

/// How `--principal` and `--resource` values reach their rows while also matching names
/// (`principal_name`, `object_name`), which have no index: the strings the values equal or match
/// are found first, and each is looked up in the column's hour-first index. Those stored as the
/// column itself are found through that index; only values that are not (a role's or a user's
/// name, a secret's name) also read the name column — a scan of the hours walked. So an exact
/// principal or resource stays an indexed lookup (86 ms on a 10M-event store, against 4 s for a
/// scan), and a name, which found nothing before, costs the scan.
struct NameMatch: Equatable {
    /// Ids of the strings matched: compared with the column (``column``).
    var ids: [Int64]
    /// Those of them that are not stored in the column: compared with its name column too.
    var names: [Int64]

    /// More matched strings than this are not looked up one by one: the values then match both
    /// columns through subqueries, as a wildcard over many strings reads most rows anyway.
    static let maximumLookups = 64

    /// The match of `values` for `column` (`principal`, `resource`, with its hour-first index
    /// `index`); nil when more than ``maximumLookups`` strings match.
    static func resolve(_ values: [String], column: String, index: String, in connection: SQLiteConnection) throws -> NameMatch? {
        var arguments: [SQLiteValue] = []
        let tests = values.map { value -> String in
            arguments.append(.text(value))
            return value.contains("*") ? "value GLOB ?\(arguments.count)" : "value = ?\(arguments.count)"
        }
        let strings = try connection.prepare(
            "SELECT id FROM strings WHERE \(tests.joined(separator: " OR ")) LIMIT \(maximumLookups + 1)")
        try strings.bind(arguments)
        var ids: [Int64] = []
        while try strings.step() { ids.append(strings.int64(0)) }
        guard ids.count <= maximumLookups else { return nil }
        guard !ids.isEmpty,
              let first = try connection.scalar("SELECT min(time) FROM event_rows"),
              let last = try connection.scalar("SELECT max(time) FROM event_rows")
        else { return NameMatch(ids: ids, names: []) }
        // One seek per hour of the store: milliseconds, where reading the name column is a scan.
        let stored = try connection.prepare("""
            WITH RECURSIVE hours(h) AS (SELECT ?2 UNION ALL SELECT h + 1 FROM hours WHERE h < ?3)
            SELECT 1 FROM event_rows e INDEXED BY \(index)
            WHERE e.time / \(EventHour.microseconds) IN hours AND e.\(column) = ?1 LIMIT 1
            """)
        var names: [Int64] = []
        for id in ids {
            try stored.bind([.integer(id), .integer(EventHour.of(first)), .integer(EventHour.of(last))])
            if try !stored.step() { names.append(id) }
            stored.reset()
        }
        return NameMatch(ids: ids, names: names)
    }
}
