import KeywatchCore

/// Where a stored event's original record is.
struct RawLocation: Equatable {
    var block: Int64
    var offset: Int
    var length: Int
}

/// The SQL of an ``EventFilter``, written so SQLite can use the store's indexes: the time-ordered
/// primary key for `since`/`until`, the principal and resource indexes, and the partial indexes
/// for unsuccessful outcomes, rare classes and namespaced events.
struct EventQuery {
    var sql = ""
    var arguments: [SQLiteValue] = []
    /// Whether the query reads the principal or resource index, which is ordered by hour first
    /// (``EventHour``). Its SQL then takes three more parameters after ``arguments`` — the first
    /// and last hour of a span, and the most rows to return (-1 for all) — and is run once per
    /// span of ``HourSpans``, newest first.
    var walksHours = false

    /// Text fields as their `strings` ids, resolved by a ``TextLookup`` — a subquery per column
    /// and row cost more than finding the rows.
    static let selectColumns = """
        SELECT e.key, e.source, e.time, e.operation, e.class, e.outcome,
               e.status, e.error_code, e.reason, e.principal, e.principal_type,
               e.principal_name, e.app_id, e.session, e.namespace, e.service_account, e.tenant,
               e.scope, e.resource, e.resource_type, e.object_name, e.resource_namespace, e.ip,
               e.user_agent, e.region, e.request_id, e.input_id, e.input_offset,
               e.raw_block, e.raw_offset, e.raw_length, e.new_session, e.account
        FROM event_rows e
        """

    /// The SQL of `filter`, its principals and resources matched as `principals` and `resources`
    /// say (``NameMatch``; nil: through subqueries over both columns).
    init(_ filter: EventFilter, principals: NameMatch? = nil, resources: NameMatch? = nil) {
        var conditions: [String] = []
        if let since = filter.since {
            arguments.append(.integer(since.microseconds))
            conditions.append("e.time >= ?\(arguments.count)")
        }
        if let until = filter.until {
            arguments.append(.integer(until.microseconds))
            conditions.append("e.time < ?\(arguments.count)")
        }
        if let principals, !filter.principals.isEmpty {
            addMatch(principals, "principal", to: &conditions)
        } else {
            addStrings(["principal", "principal_name"], filter.principals, to: &conditions)
        }
        addStrings(["operation"], filter.operations, to: &conditions)
        if let resources, !filter.resources.isEmpty {
            addMatch(resources, "resource", to: &conditions)
        } else {
            addStrings(["resource", "object_name"], filter.resources, to: &conditions)
        }
        addStrings(["namespace"], filter.namespaces, to: &conditions)
        if let blocks = filter.blocks {
            arguments.append(.integer(blocks.lowerBound))
            arguments.append(.integer(blocks.upperBound))
            conditions.append("e.raw_block BETWEEN ?\(arguments.count - 1) AND ?\(arguments.count)")
        }
        addInline("ip", filter.ips, to: &conditions)
        if !filter.keys.isEmpty {
            let placeholders = filter.keys.map { key -> String in
                arguments.append(.text(key))
                return "?\(arguments.count)"
            }
            conditions.append("e.key IN (\(placeholders.joined(separator: ", ")))")
        }
        addCodes("source", filter.sources.map(\.code), to: &conditions)
        addCodes("class", filter.classes.map(\.code), to: &conditions)
        addCodes("outcome", filter.outcomes.map(\.code), to: &conditions)
        // Restate what the partial indexes are defined by, so SQLite can see they apply.
        if !filter.outcomes.isEmpty, !filter.outcomes.contains(.success) {
            conditions.append("e.outcome <> 0")
        }
        if !filter.classes.isEmpty, filter.classes.allSatisfy({ $0.code > 2 }) {
            conditions.append("e.class > 2")
        }
        if !filter.namespaces.isEmpty {
            conditions.append("e.namespace IS NOT NULL")
        }
        var sql = Self.selectColumns
        walksHours = !filter.principals.isEmpty || !filter.resources.isEmpty
        if walksHours {
            let first = arguments.count + 1
            sql = "WITH RECURSIVE hours(h) AS (SELECT ?\(first) UNION ALL SELECT h + 1 FROM hours WHERE h < ?\(first + 1)) " + sql
            // Left to itself, SQLite may prefer an index in time order (unsuccessful outcomes,
            // say), which avoids a sort but reads all of its rows once per span.
            sql += filter.principals.isEmpty ? " INDEXED BY event_rows_by_resource" : " INDEXED BY event_rows_by_principal"
            conditions.append("e.time / \(EventHour.microseconds) IN hours")
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY e.time DESC, e.key_hash DESC"
        if walksHours {
            sql += " LIMIT ?\(arguments.count + 3)"
        } else if let limit = filter.limit {
            arguments.append(.integer(Int64(limit)))
            sql += " LIMIT ?\(arguments.count)"
        }
        self.sql = sql
    }

    /// The arguments for one span of hours, when the query ``walksHours``, returning at most
    /// `limit` rows.
    func arguments(hours: ClosedRange<Int64>, limit: Int?) -> [SQLiteValue] {
        arguments + [.integer(hours.lowerBound), .integer(hours.upperBound), .integer(Int64(limit ?? -1))]
    }

    /// `column IN (ids of the strings equal to, or matching, the values)`, for any of `columns`.
    private mutating func addStrings(_ columns: [String], _ values: [String], to conditions: inout [String]) {
        guard !values.isEmpty else { return }
        let tests = values.map { value -> String in
            arguments.append(.text(value))
            return value.contains("*") ? "value GLOB ?\(arguments.count)" : "value = ?\(arguments.count)"
        }
        let ids = "SELECT id FROM strings WHERE \(tests.joined(separator: " OR "))"
        conditions.append("(" + columns.map { "e.\($0) IN (\(ids))" }.joined(separator: " OR ") + ")")
    }

    /// `column IN (ids)`: the values and the principals or resources they name (``NameMatch``).
    private func addMatch(_ match: NameMatch, _ column: String, to conditions: inout [String]) {
        conditions.append("e.\(column) IN (\(match.ids.map(String.init).joined(separator: ", ")))")
    }

    /// A text column stored inline.
    private mutating func addInline(_ column: String, _ values: [String], to conditions: inout [String]) {
        guard !values.isEmpty else { return }
        let tests = values.map { value -> String in
            arguments.append(.text(value))
            return value.contains("*") ? "e.\(column) GLOB ?\(arguments.count)" : "e.\(column) = ?\(arguments.count)"
        }
        conditions.append("(" + tests.joined(separator: " OR ") + ")")
    }

    private func addCodes(_ column: String, _ codes: [Int64], to conditions: inout [String]) {
        guard !codes.isEmpty else { return }
        conditions.append("e.\(column) IN (\(codes.map(String.init).joined(separator: ", ")))")
    }

    /// The event in the current row of a statement that selected ``selectColumns``.
    static func event(from row: Statement, strings: TextLookup, inputs: TextLookup) throws -> (Event, RawLocation) {
        var event = Event(
            key: row.text(0) ?? "",
            source: EventCodes.value(row.int64(1), as: EventSource.self) ?? .awsKMS,
            time: Timestamp(microseconds: row.int64(2)),
            operation: try strings.text(row, 3) ?? "",
            eventClass: EventCodes.value(row.int64(4), as: EventClass.self) ?? .other,
            outcome: EventCodes.value(row.int64(5), as: Outcome.self) ?? .failed,
            resourceType: EventCodes.value(row.int64(19), as: ResourceType.self) ?? .none,
            origin: Origin(input: try inputs.text(row, 26) ?? "", offset: row.isNull(27) ? nil : row.int64(27)))
        event.status = row.int(6)
        event.errorCode = try strings.text(row, 7)
        event.reason = row.isNull(8) ? nil : EventCodes.value(row.int64(8), as: DenialReason.self)
        event.principal = try strings.text(row, 9)
        event.principalType = row.isNull(10) ? nil : EventCodes.value(row.int64(10), as: PrincipalType.self)
        event.principalName = try strings.text(row, 11)
        event.appID = try strings.text(row, 12)
        event.session = row.text(13)
        event.newSession = row.text(31)
        event.namespace = try strings.text(row, 14)
        event.serviceAccount = try strings.text(row, 15)
        event.tenant = try strings.text(row, 16)
        event.account = try strings.text(row, 32)
        event.scope = try strings.text(row, 17)
        event.resource = try strings.text(row, 18)
        event.objectName = try strings.text(row, 20)
        event.resourceNamespace = try strings.text(row, 21)
        event.ip = row.text(22)
        event.userAgent = try strings.text(row, 23)
        event.region = try strings.text(row, 24)
        event.requestID = row.text(25)
        let location = RawLocation(block: row.int64(28), offset: Int(row.int64(29)), length: Int(row.int64(30)))
        return (event, location)
    }
}

/// The text of ids of a value table (`strings`, `inputs`), each read once: a page of results
/// shares few distinct values.
final class TextLookup {
    private let statement: Statement
    private let table: String
    private var known: [Int64: String] = [:]

    init(table: String, column: String, in connection: SQLiteConnection) throws {
        self.table = table
        statement = try connection.prepare("SELECT \(column) FROM \(table) WHERE id = ?1")
    }

    /// The text of the id in `column` of `row`; nil when the column is null.
    func text(_ row: Statement, _ column: Int32) throws -> String? {
        guard !row.isNull(column) else { return nil }
        return try text(id: row.int64(column))
    }

    /// The text of `id`.
    func text(id: Int64) throws -> String {
        if let text = known[id] { return text }
        statement.bind(id, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { throw StoreError.corrupt("\(table) has no id \(id)") }
        let text = statement.text(0) ?? ""
        if known.count >= 1 << 16 { known.removeAll(keepingCapacity: true) }
        known[id] = text
        return text
    }
}

/// Reads original records out of their compressed blocks, keeping the last block decompressed
/// (query results from one batch share it).
final class RawBlockReader {
    private let decompressor = RawBlockDecompressor()
    private var cachedBlock: Int64 = -1
    private var cached: [UInt8] = []

    func record(at location: RawLocation, in connection: SQLiteConnection) throws -> [UInt8] {
        if location.block != cachedBlock {
            let statement = try connection.prepare("SELECT codec, size, data FROM raw_blocks WHERE id = ?1")
            statement.bind(location.block, at: 1)
            guard try statement.step() else { throw StoreError.corrupt("raw block \(location.block) is missing") }
            cached = try decompressor.decompress(statement.blob(2), codec: statement.text(0) ?? "", size: Int(statement.int64(1)))
            cachedBlock = location.block
        }
        guard location.offset >= 0, location.length >= 0, location.offset + location.length <= cached.count else {
            throw StoreError.corrupt("a record lies outside its raw block \(location.block)")
        }
        return Array(cached[location.offset..<(location.offset + location.length)])
    }
}
