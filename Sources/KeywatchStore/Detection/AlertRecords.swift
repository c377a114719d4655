import Foundation
import KeywatchCore

/// An alert as stored: the columns investigators filter on, and the alert's JSON as last updated.
public struct StoredAlert: Sendable, Equatable {
    public var id: String
    public var key: String
    public var rule: String
    public var severity: String
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    public var count: Int
    /// When it was first stored (wall clock).
    public var raised: Timestamp
    public var json: String
    /// The order it was stored in (`alerts.seq`): `alerts list --follow` prints those after the last it printed.
    public var seq: Int64 = 0
}

/// Alert changes with each alert's JSON (docs/alerts.md) already written, as the store keeps it.
/// Writing it takes a quarter of storing an alert: detection's thread writes it, beside the
/// writer, whose thread is ingest's critical path.
public struct RenderedAlertChanges: Sendable {
    public let changes: [AlertChange]
    /// ``Alert/json`` of each change's alert.
    let json: [String]

    public init(_ changes: [AlertChange]) {
        self.changes = changes
        json = changes.map(\.alert.json)
    }
}

extension EventStore {
    /// Stores what detection did, inside the current transaction (the one holding the events
    /// that caused it). A raised alert whose key is already stored — a replay after a restart —
    /// is not stored again; an update rewrites the stored alert; a resolution rewrites it as
    /// resolved (`resolved` and its JSON). A resolved alert is final: a replayed raise or update
    /// of it changes nothing, and a replayed resolution is not sent again.
    /// A new alert, and a new resolution, gets one outbox row per sink of ``deliverySinks``
    /// (announcing it `firing` or `resolved`), in the same transaction.
    /// - Returns: the alerts new to the store and the resolutions new to it (alerts whose
    ///   ``Alert/status`` is `resolved`), in the order detection made them: the ones to send.
    public func record(_ changes: [AlertChange], at now: Timestamp) throws(StoreError) -> [Alert] {
        try record(RenderedAlertChanges(changes), at: now)
    }

    /// ``record(_:at:)`` of changes whose JSON another thread has written.
    public func record(_ rendered: RenderedAlertChanges, at now: Timestamp) throws(StoreError) -> [Alert] {
        let changes = rendered.changes
        guard !changes.isEmpty else { return [] }
        do {
            // No conflict target: a clash of ids as well as of keys is not an error (see below).
            let insert = try connection.prepare("""
                INSERT INTO alerts(id, key, rule, severity, first_seen, last_seen, count, raised, updated, json)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) ON CONFLICT DO NOTHING
                """)
            // An alert stored under its collision id (below) keeps that id in its JSON.
            let update = try connection.prepare("""
                UPDATE alerts SET first_seen = ?2, last_seen = ?3, count = ?4, updated = ?5,
                    json = CASE WHEN id = ?7 THEN ?6 ELSE json_set(?6, '$.id', id) END
                WHERE key = ?1 AND resolved IS NULL
                """)
            let resolve = try connection.prepare("""
                UPDATE alerts SET updated = ?2, resolved = ?3, json = CASE WHEN id = ?5 THEN ?4 ELSE json_set(?4, '$.id', id) END
                WHERE key = ?1 AND resolved IS NULL
                """)
            let firingID = try connection.prepare("SELECT id FROM alerts WHERE key = ?1 AND resolved IS NULL")
            let stored = try connection.prepare("SELECT 1 FROM alerts WHERE key = ?1")
            func isStored(_ key: String) throws -> Bool {
                stored.bind(key, at: 1)
                defer { stored.reset() }
                return try stored.step()
            }
            var raised: [Alert] = []
            for (change, json) in zip(changes, rendered.json) {
                var alert = change.alert
                var json = json
                if case .resolved = change, let resolvedAt = alert.resolvedAt {
                    // Only an alert stored and still firing resolves: a replay finds it resolved.
                    firingID.bind(alert.key, at: 1)
                    let storedID = try firingID.step() ? firingID.text(0) : nil
                    firingID.reset()
                    guard let storedID else { continue }
                    try resolve.run([.text(alert.key), .integer(now.microseconds), .integer(resolvedAt.microseconds), .text(json),
                                     .text(alert.id)])
                    alert.id = storedID
                    raised.append(alert)
                    try enqueueDeliveries(of: storedID, announcing: .resolved, at: now)
                    continue
                }
                if case .raised = change {
                    func insertAlert() throws -> Bool {
                        try insert.run([.text(alert.id), .text(alert.key), .text(alert.rule), .text(alert.severity.rawValue),
                                        .integer(alert.firstSeen.microseconds), .integer(alert.lastSeen.microseconds),
                                        .integer(Int64(alert.count)), .integer(now.microseconds), .text(json)])
                        return connection.changes == 1
                    }
                    var inserted = try insertAlert()
                    // An id is 64 bits of the key's digest, and log writers choose the values
                    // keys are made of: two keys sharing those bits would otherwise have made the
                    // batch's transaction fail, again on every retry. The newcomer takes its whole
                    // key as its id.
                    if !inserted, try !isStored(alert.key) {
                        alert.id = Alert.collisionID(forKey: alert.key)
                        json = alert.json
                        inserted = try insertAlert()
                    }
                    if inserted {
                        raised.append(alert)
                        try enqueueDeliveries(of: alert.id, announcing: .firing, at: now)
                        continue
                    }
                }
                try update.run([.text(alert.key), .integer(alert.firstSeen.microseconds), .integer(alert.lastSeen.microseconds),
                                .integer(Int64(alert.count)), .integer(now.microseconds), .text(json), .text(alert.id)])
            }
            return raised
        } catch {
            throw StoreError(error)
        }
    }

    /// The newest raw block (0 when none).
    public func lastBlock() throws(StoreError) -> Int64 {
        do {
            return try connection.scalar("SELECT coalesce(max(id), 0) FROM raw_blocks") ?? 0
        } catch {
            throw StoreError(error)
        }
    }
}

extension EventReader {
    /// Stored alerts, newest first: those first seen at or after `since`, raised (stored) at or
    /// after `raisedSince`, of `rules` (any), stored after the alert of sequence number `after`
    /// (``StoredAlert/seq``, for following the store), at most `limit`.
    public func alerts(
        since: Timestamp? = nil, raisedSince: Timestamp? = nil, rules: [String] = [], after: Int64? = nil, limit: Int? = nil
    ) throws(StoreError) -> [StoredAlert] {
        var conditions: [String] = []
        var arguments: [SQLiteValue] = []
        for (column, bound) in [("first_seen", since), ("raised", raisedSince)] {
            guard let bound else { continue }
            arguments.append(.integer(bound.microseconds))
            conditions.append("\(column) >= ?\(arguments.count)")
        }
        if let after {
            arguments.append(.integer(after))
            conditions.append("seq > ?\(arguments.count)")
        }
        if !rules.isEmpty {
            let placeholders = rules.map { rule -> String in
                arguments.append(.text(rule))
                return "?\(arguments.count)"
            }
            conditions.append("rule IN (\(placeholders.joined(separator: ", ")))")
        }
        var sql = "SELECT \(Self.alertColumns) FROM alerts"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY first_seen DESC, seq DESC"
        if let limit {
            arguments.append(.integer(Int64(limit)))
            sql += " LIMIT ?\(arguments.count)"
        }
        return try readAlerts(sql, arguments)
    }

    /// The newest alert's sequence number (0 when none): where following the alerts starts.
    public func lastAlertSeq() throws(StoreError) -> Int64 {
        do {
            guard try hasAlertsTable() else { return 0 }
            return try connection.scalar("SELECT coalesce(max(seq), 0) FROM alerts") ?? 0
        } catch {
            throw StoreError(error)
        }
    }

    private static let alertColumns = "id, key, rule, severity, first_seen, last_seen, count, raised, json, seq"

    /// The alert with this id (or key); nil when there is none.
    public func alert(id: String) throws(StoreError) -> StoredAlert? {
        try readAlerts("""
            SELECT \(Self.alertColumns) FROM alerts WHERE id = ?1 OR key = ?1
            """, [.text(id)]).first
    }

    /// How many of the alerts of `keys` are in the store (one prepared look-up for all).
    public func storedAlertCount(keys: some Sequence<String>) throws(StoreError) -> Int {
        do {
            guard try hasAlertsTable() else { return 0 }
            let statement = try connection.prepare("SELECT 1 FROM alerts WHERE key = ?1")
            var count = 0
            for key in keys {
                statement.bind(key, at: 1)
                if try statement.step() { count += 1 }
                statement.reset()
            }
            return count
        } catch {
            throw StoreError(error)
        }
    }

    private func readAlerts(_ sql: String, _ arguments: [SQLiteValue]) throws(StoreError) -> [StoredAlert] {
        do {
            guard try hasAlertsTable() else { return [] }
            let statement = try connection.prepare(sql)
            try statement.bind(arguments)
            var found: [StoredAlert] = []
            while try statement.step() {
                found.append(StoredAlert(
                    id: statement.text(0) ?? "", key: statement.text(1) ?? "", rule: statement.text(2) ?? "",
                    severity: statement.text(3) ?? "", firstSeen: Timestamp(microseconds: statement.int64(4)),
                    lastSeen: Timestamp(microseconds: statement.int64(5)), count: Int(statement.int64(6)),
                    raised: Timestamp(microseconds: statement.int64(7)), json: statement.text(8) ?? "{}", seq: statement.int64(9)))
            }
            return found
        } catch {
            throw StoreError(error)
        }
    }

    /// Stores older than detection have no alerts table: they hold no alerts.
    private func hasAlertsTable() throws(SQLiteError) -> Bool {
        try connection.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'alerts'") == 1
    }
}
