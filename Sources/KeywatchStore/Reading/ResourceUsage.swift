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

    /// The usage of two consecutive spans as one: a group of both has their counts summed, the
    /// older's first time and the newer's last, and what the newer's events said of names and
    /// places (what the older said where the newer said nothing).
    public static func merging(_ older: [ResourceUsage], _ newer: [ResourceUsage]) -> [ResourceUsage] {
        struct Group: Hashable {
            var principal, namespace, serviceAccount, resource: String?
            var operation: String
            var source: EventSource, operationClass: EventClass, outcome: Outcome, resourceType: ResourceType
            var principalType: PrincipalType?
        }
        func group(_ use: ResourceUsage) -> Group {
            Group(principal: use.principal, namespace: use.namespace, serviceAccount: use.serviceAccount, resource: use.resource,
                  operation: use.operation, source: use.source, operationClass: use.operationClass, outcome: use.outcome,
                  resourceType: use.resourceType, principalType: use.principalType)
        }
        var merged = older
        var positions: [Group: Int] = [:]
        for (index, use) in older.enumerated() { positions[group(use)] = index }
        for use in newer {
            guard let index = positions[group(use)] else {
                merged.append(use)
                continue
            }
            let old = merged[index]
            var both = use
            both.count += old.count
            both.first = min(old.first, use.first)
            both.principalName = use.principalName ?? old.principalName
            both.objectName = use.objectName ?? old.objectName
            both.scope = use.scope ?? old.scope
            both.account = use.account ?? old.account
            both.region = use.region ?? old.region
            merged[index] = both
        }
        return merged
    }
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
        // Nullable columns come as -1 for null: one call per column and row, not two.
        let nullable = ["principal", "principal_type", "namespace", "service_account", "resource", "principal_name",
                        "object_name", "scope", "account", "region"]
        func read(_ column: String) -> String { nullable.contains(column) ? "coalesce(\(column), -1)" : column }
        let columns = ["time", "principal", "principal_type", "namespace", "service_account", "source", "operation", "class",
                       "outcome", "resource", "resource_type", "principal_name", "object_name", "scope", "account", "region"]
        let statement = try connection.prepare(
            "SELECT \(columns.map(read).joined(separator: ", ")) FROM event_rows WHERE \(conditions.joined(separator: " AND "))")
        try statement.bind(arguments)
        // Groups are found by index into `tallies`: the table probed once per event stays small.
        var groups: [UsageKey: Int] = [:]
        var keys: [UsageKey] = []
        var tallies: [UsageTally] = []
        while try statement.step() {
            let row = statement
            let time = row.int64(0)
            let key = UsageKey(
                principal: row.int64(1), namespace: row.int64(3), serviceAccount: row.int64(4), operation: row.int64(6),
                resource: row.int64(9),
                codes: UsageKey.codes(principalType: row.int64(2), source: row.int64(5), operationClass: row.int64(7),
                                      outcome: row.int64(8), resourceType: row.int64(10)))
            let index: Int
            if let known = groups[key] {
                index = known
            } else {
                index = tallies.count
                groups[key] = index
                keys.append(key)
                tallies.append(UsageTally(first: time, last: time))
            }
            tallies[index].add(time: time, principalName: row.int64(11), objectName: row.int64(12),
                               scope: row.int64(13), account: row.int64(14), region: row.int64(15))
        }
        let strings = try TextLookup(table: "strings", column: "value", in: connection)
        func text(_ id: Int64) throws -> String? { id < 0 ? nil : try strings.text(id: id) }
        return try zip(keys, tallies).map { key, tally in
            ResourceUsage(
                principal: try text(key.principal),
                principalType: EventCodes.value(key.principalType, as: PrincipalType.self),
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
                first: Timestamp(microseconds: tally.first), last: Timestamp(microseconds: tally.last))
        }
    }
}

/// A usage group: the string ids of its caller, operation and resource (-1 for null), and its
/// enumerated fields' codes packed in one word — six words to hash and compare, not ten, as the
/// table is probed once per event of the span.
private struct UsageKey: Hashable {
    var principal: Int64
    var namespace: Int64
    var serviceAccount: Int64
    var operation: Int64
    var resource: Int64
    var codes: Int64

    /// Codes are below 256 (they are cases of small enums); a null principal type is -1, kept as 0.
    static func codes(principalType: Int64, source: Int64, operationClass: Int64, outcome: Int64, resourceType: Int64) -> Int64 {
        (principalType + 1) | source << 8 | operationClass << 16 | outcome << 24 | resourceType << 32
    }

    var principalType: Int64 { (codes & 0xFF) - 1 }
    var source: Int64 { codes >> 8 & 0xFF }
    var operationClass: Int64 { codes >> 16 & 0xFF }
    var outcome: Int64 { codes >> 24 & 0xFF }
    var resourceType: Int64 { codes >> 32 & 0xFF }
}

/// A usage group's count and times, and the descriptive fields of its newest event.
private struct UsageTally {
    var count = 0
    var first: Int64
    var last: Int64
    var principalName: Int64 = -1
    var objectName: Int64 = -1
    var scope: Int64 = -1
    var account: Int64 = -1
    var region: Int64 = -1

    mutating func add(time: Int64, principalName: Int64, objectName: Int64, scope: Int64, account: Int64, region: Int64) {
        count += 1
        first = min(first, time)
        guard time >= last || count == 1 else { return }
        last = time
        // Keep what the newest event said; an absent value does not erase a known one.
        if principalName >= 0 { self.principalName = principalName }
        if objectName >= 0 { self.objectName = objectName }
        if scope >= 0 { self.scope = scope }
        if account >= 0 { self.account = account }
        if region >= 0 { self.region = region }
    }
}
