import KeywatchCore

/// How `--principal` and `--resource` values reach their rows while also matching names
/// (`principal_name`, `object_name`), which have no index: the strings the values equal or match
/// are found first, then the principals or resources whose events carry any of them as a name
/// (``EventNames``); the rows are those whose principal or resource is one of all these, found
/// through the column's index. So a name costs what an exact principal costs.
struct NameMatch: Equatable {
    /// Ids of the strings to compare the column with: those matched, and those they name.
    var ids: [Int64]

    /// More matched strings than this are not resolved one by one: the values then match both
    /// columns through subqueries, as a wildcard over many strings reads most rows anyway.
    static let maximumLookups = 64

    /// The match of `values` for `kind`'s column; nil when more than ``maximumLookups`` strings
    /// match, or the store keeps no names yet.
    static func resolve(_ values: [String], kind: EventNames.Kind, in connection: SQLiteConnection) throws -> NameMatch? {
        guard try EventNames.areKept(in: connection) else { return nil }
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
        let named = try EventNames.values(named: ids, kind: kind, in: connection)
        var seen = Set(ids)
        return NameMatch(ids: ids + named.filter { seen.insert($0).inserted })
    }
}
