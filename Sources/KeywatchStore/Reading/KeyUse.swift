import KeywatchCore

/// One caller's successful events on one key, secret or certificate in a span: in the data plane
/// (crypto and reads, what "using" a key means) or not. What `keywatch keys` counts as use.
public struct KeyUse: Sendable, Equatable {
    public var identity: KeyIdentity
    /// The caller; nil for events no principal made.
    public var principal: String?
    /// The name the newest event gave the principal.
    public var principalName: String?
    public var namespace: String?
    public var serviceAccount: String?
    /// Crypto operations and reads (`KeyUnwrap`, `SecretGet`, `Decrypt`), as against management.
    public var dataPlane: Bool
    public var count: Int
    public var first: Timestamp
    public var last: Timestamp

    /// The principal as people read it: its name when the events gave one, else itself.
    public var principalLabel: String { principalName ?? principal ?? "-" }
}

extension EventReader {
    /// The successful events on keys, secrets and certificates at or after `since` and before
    /// `until`, summed per resource, caller and plane; in no particular order. Spans that do not
    /// overlap can be read apart (on two connections at once) and their groups simply put together.
    ///
    /// ``usage(of:)`` tells more (operations, outcomes) and reads more for it: here each row gives
    /// only its time, class, caller and resource, and SQLite drops the failures and the other
    /// resources before they reach Swift; the names and places of a group are read once, from
    /// its newest row, found by its time (the primary key's first column).
    public func keyUse(since: Timestamp?, until: Timestamp? = nil) throws -> [KeyUse] {
        let types = [ResourceType.key, .secret, .certificate].map { String($0.code) }.joined(separator: ", ")
        let statement = try connection.prepare("""
            SELECT time, class, principal, resource FROM event_rows
            WHERE time >= ?1 AND time < ?2 AND outcome = \(Outcome.success.code) AND resource_type IN (\(types)) AND resource IS NOT NULL
            """)
        try statement.bind([.integer(since?.microseconds ?? .min), .integer(until?.microseconds ?? .max)])
        let crypto = EventClass.crypto.code, read = EventClass.read.code
        var groups: [KeyUseKey: KeyUseTally] = [:]
        while try statement.step() {
            let time = statement.int64(0)
            let operationClass = statement.int64(1)
            let key = KeyUseKey(resource: statement.int64(3), principal: statement.isNull(2) ? -1 : statement.int64(2),
                                dataPlane: operationClass == crypto || operationClass == read)
            groups[key, default: KeyUseTally(first: time, last: time)].add(time)
        }
        let strings = try TextLookup(table: "strings", column: "value", in: connection)
        let newest = try connection.prepare("""
            SELECT principal_name, namespace, service_account, source, resource_type, object_name, scope, account, region
            FROM event_rows WHERE time = ?1 AND resource = ?2 AND principal IS ?3 AND outcome = \(Outcome.success.code)
            LIMIT 1
            """)
        return try groups.map { key, tally in
            try newest.bind([.integer(tally.last), .integer(key.resource), key.principal < 0 ? .null : .integer(key.principal)])
            defer { newest.reset() }
            guard try newest.step() else { throw StoreError.corrupt("event_rows lost the row at \(tally.last)") }
            let identity = KeyIdentity(
                resource: try strings.text(id: key.resource),
                resourceType: EventCodes.value(newest.int64(4), as: ResourceType.self) ?? .key,
                source: EventCodes.value(newest.int64(3), as: EventSource.self) ?? .azureKeyVault,
                objectName: try strings.text(newest, 5), scope: try strings.text(newest, 6),
                account: try strings.text(newest, 7), region: try strings.text(newest, 8))
            return KeyUse(
                identity: identity, principal: key.principal < 0 ? nil : try strings.text(id: key.principal),
                principalName: try strings.text(newest, 0), namespace: try strings.text(newest, 1),
                serviceAccount: try strings.text(newest, 2), dataPlane: key.dataPlane, count: tally.count,
                first: Timestamp(microseconds: tally.first), last: Timestamp(microseconds: tally.last))
        }
    }
}

/// A key-use group by string ids (-1 for no principal).
private struct KeyUseKey: Hashable {
    var resource: Int64
    var principal: Int64
    var dataPlane: Bool
}

/// A key-use group's count and its first and last time.
private struct KeyUseTally {
    var count = 0
    var first: Int64
    var last: Int64

    mutating func add(_ time: Int64) {
        count += 1
        first = min(first, time)
        last = max(last, time)
    }
}
