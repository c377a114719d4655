import KeywatchCore

/// What one caller did to one resource in a span of event time: one operation with one
/// outcome, how often, and when first and last. The rows `keywatch access-review` and
/// `keywatch keys` are made of: who used what, how, and what they were refused.
///
/// A caller is its principal with the workload keywatch placed it in (`namespace`,
/// `service_account`), so a role shared by two namespaces' pods is two callers.
public struct ResourceUsage: Sendable, Equatable {
    /// The caller; nil for events no principal made (AWS service events such as `RotateKey`).
    public var principal: String?
    public var principalType: PrincipalType?
    /// The name the events gave the principal (the last one, when they gave several).
    public var principalName: String?
    public var namespace: String?
    public var serviceAccount: String?
    public var source: EventSource
    /// The operation as the log writes it (`SecretGet`, `Decrypt`).
    public var operation: String
    public var operationClass: EventClass
    public var outcome: Outcome
    /// The resource, canonical as events hold it; nil for calls on none (`ListKeys`).
    public var resource: String?
    public var resourceType: ResourceType
    public var objectName: String?
    /// Key Vault: the vault; AWS: the account and region of the key.
    public var scope: String?
    /// The log pipeline's account: AWS account id, or the vault's Azure subscription.
    public var account: String?
    public var region: String?
    /// Events in the span.
    public var count: Int
    /// The first and last event's time.
    public var first: Timestamp
    public var last: Timestamp
    /// Where the newest event's original record is (``EventReader/record(of:)``).
    let newestRecord: RawLocation

    /// The principal as people read it: its name when the events gave one, else itself.
    public var principalLabel: String { principalName ?? principal ?? "-" }
}

/// Which events ``EventReader/usage(of:)`` aggregates.
public struct UsageFilter: Sendable, Equatable {
    /// Events at or after `since` and before `until`; nil is unbounded.
    public var since: Timestamp?
    public var until: Timestamp?
    /// Only these principals (matched like `query --principal`: the principal or its name,
    /// `*` as a wildcard); empty is every one.
    public var principals: [String] = []
    /// Only callers placed in these namespaces; empty is every one.
    public var namespaces: [String] = []

    public init(since: Timestamp? = nil, until: Timestamp? = nil, principals: [String] = [], namespaces: [String] = []) {
        self.since = since
        self.until = until
        self.principals = principals
        self.namespaces = namespaces
    }
}

extension EventReader {
    /// Every caller × operation × outcome × resource of the events `filter` selects, with counts
    /// and first and last times; in no particular order.
    ///
    /// The rows are counted here rather than by SQL's `GROUP BY`: the narrow integer columns are
    /// read in the primary key's order (time) and summed in a hash table, with no sort of the
    /// span's events; texts are looked up once per distinct id, for the groups only.
    public func usage(of filter: UsageFilter) throws -> [ResourceUsage] {
        var conditions = ["time >= ?1", "time < ?2"]
        var arguments: [SQLiteValue] = [.integer(filter.since?.microseconds ?? .min), .integer(filter.until?.microseconds ?? .max)]
        if !filter.principals.isEmpty {
            let match = try NameMatch.resolve(filter.principals, kind: .principal, in: connection)
            if let match {
                if match.ids.isEmpty { return [] }
                conditions.append("principal IN (\(match.ids.map(String.init).joined(separator: ", ")))")
            } else {
                let tests = filter.principals.map { value -> String in
                    arguments.append(.text(value))
                    let test = value.contains("*") ? "value GLOB ?\(arguments.count)" : "value = ?\(arguments.count)"
                    return "(principal IN (SELECT id FROM strings WHERE \(test)) OR principal_name IN (SELECT id FROM strings WHERE \(test)))"
                }
                conditions.append("(\(tests.joined(separator: " OR ")))")
            }
        }
        if !filter.namespaces.isEmpty {
            let placeholders = filter.namespaces.map { value -> String in
                arguments.append(.text(value))
                return "?\(arguments.count)"
            }
            conditions.append("namespace IN (SELECT id FROM strings WHERE value IN (\(placeholders.joined(separator: ", "))))")
        }
        let statement = try connection.prepare("""
            SELECT time, principal, principal_type, namespace, service_account, source, operation, class, outcome,
                   resource, resource_type, principal_name, object_name, scope, account, region,
                   raw_block, raw_offset, raw_length
            FROM event_rows WHERE \(conditions.joined(separator: " AND "))
            """)
        try statement.bind(arguments)
        var groups: [UsageKey: UsageTally] = [:]
        func optional(_ column: Int32) -> Int64 { statement.isNull(column) ? -1 : statement.int64(column) }
        while try statement.step() {
            let time = statement.int64(0)
            let key = UsageKey(
                principal: optional(1), principalType: optional(2), namespace: optional(3), serviceAccount: optional(4),
                source: statement.int64(5), operation: statement.int64(6), operationClass: statement.int64(7),
                outcome: statement.int64(8), resource: optional(9), resourceType: statement.int64(10))
            let record = RawLocation(block: statement.int64(16), offset: Int(statement.int64(17)), length: Int(statement.int64(18)))
            groups[key, default: UsageTally(first: time, last: time, newestRecord: record)].add(
                time: time, record: record, principalName: optional(11), objectName: optional(12), scope: optional(13),
                account: optional(14), region: optional(15))
        }
        let strings = try TextLookup(table: "strings", column: "value", in: connection)
        func text(_ id: Int64) throws -> String? { id < 0 ? nil : try strings.text(id: id) }
        return try groups.map { key, tally in
            ResourceUsage(
                principal: try text(key.principal),
                principalType: key.principalType < 0 ? nil : EventCodes.value(key.principalType, as: PrincipalType.self),
                principalName: try text(tally.principalName), namespace: try text(key.namespace),
                serviceAccount: try text(key.serviceAccount),
                source: EventCodes.value(key.source, as: EventSource.self) ?? .azureKeyVault,
                operation: try text(key.operation) ?? "",
                operationClass: EventCodes.value(key.operationClass, as: EventClass.self) ?? .other,
                outcome: EventCodes.value(key.outcome, as: Outcome.self) ?? .failed,
                resource: try text(key.resource),
                resourceType: EventCodes.value(key.resourceType, as: ResourceType.self) ?? .none,
                objectName: try text(tally.objectName), scope: try text(tally.scope), account: try text(tally.account),
                region: try text(tally.region), count: tally.count,
                first: Timestamp(microseconds: tally.first), last: Timestamp(microseconds: tally.last),
                newestRecord: tally.newestRecord)
        }
    }

    /// The original record of `usage`'s newest event: what its normalized fields leave out (a
    /// vault's resource group is only in its records' `resourceId`).
    public func record(of usage: ResourceUsage) throws -> [UInt8] {
        try rawBlocks.record(at: usage.newestRecord, in: connection)
    }
}

/// A usage group by string ids and codes (-1 for null).
private struct UsageKey: Hashable {
    var principal: Int64
    var principalType: Int64
    var namespace: Int64
    var serviceAccount: Int64
    var source: Int64
    var operation: Int64
    var operationClass: Int64
    var outcome: Int64
    var resource: Int64
    var resourceType: Int64
}

/// A usage group's count and times, and the descriptive fields of its newest event.
private struct UsageTally {
    var count = 0
    var first: Int64
    var last: Int64
    var newestRecord: RawLocation
    var principalName: Int64 = -1
    var objectName: Int64 = -1
    var scope: Int64 = -1
    var account: Int64 = -1
    var region: Int64 = -1

    mutating func add(time: Int64, record: RawLocation, principalName: Int64, objectName: Int64, scope: Int64, account: Int64, region: Int64) {
        count += 1
        first = min(first, time)
        guard time >= last || count == 1 else { return }
        last = time
        newestRecord = record
        // Keep what the newest event said; an absent value does not erase a known one.
        if principalName >= 0 { self.principalName = principalName }
        if objectName >= 0 { self.objectName = objectName }
        if scope >= 0 { self.scope = scope }
        if account >= 0 { self.account = account }
        if region >= 0 { self.region = region }
    }
}
