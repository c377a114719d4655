import KeywatchCore

/// Where a delivery stands.
public enum DeliveryState: String, Sendable, Equatable {
    /// Not delivered yet: waiting for its first attempt or its next retry.
    case pending
    case delivered
    /// Given up: refused by the receiver, or still failing at the sink's maximum age.
    case dead
}

/// One alert's delivery to one sink, as the outbox holds it: the alert firing, or (a second
/// delivery) its resolution.
public struct Delivery: Sendable, Equatable {
    public var id: Int64
    public var alertID: String
    public var sink: String
    /// What the delivery tells the sink: that the alert fires, or that it resolved.
    public var announces: AlertStatus
    public var state: DeliveryState
    public var attempts: Int
    /// When the alert committed (wall clock); the sink's maximum age counts from here.
    public var created: Timestamp
    public var nextAttempt: Timestamp
    public var lastError: String?
    /// The alert's JSON as last updated (docs/alerts.md): what is sent.
    public var alertJSON: String
    /// The alert's span of event time, where its evidence events lie.
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
}

extension EventStore {
    /// One pending outbox row per sink of ``deliverySinks`` for a new alert, or a new resolution
    /// of one, inside the current transaction.
    func enqueueDeliveries(of alertID: String, announcing status: AlertStatus, at now: Timestamp) throws(StoreError) {
        guard !deliverySinks.isEmpty else { return }
        do {
            let insert = try connection.prepare("""
                INSERT OR IGNORE INTO outbox(alert_id, sink, announces, created, next_attempt) VALUES (?1, ?2, ?3, ?4, ?4)
                """)
            for sink in deliverySinks {
                try insert.run([.text(alertID), .text(sink), .text(status.rawValue), .integer(now.microseconds)])
            }
        } catch {
            throw StoreError(error)
        }
    }
}

/// The outbox as the delivery workers use it: a connection of their own beside the writer's
/// (WAL: readers never wait; the small updates here wait out the writer's commits), taking due
/// deliveries and recording each attempt.
///
/// One per thread.
public final class Outbox {
    private let connection: SQLiteConnection

    /// Opens the outbox of the store at `path`, bringing its schema up to date.
    public init(path: String) throws(StoreError) {
        do {
            connection = try SQLiteConnection(path: path)
            connection.setBusyTimeout(milliseconds: 10_000)
            try connection.execute("PRAGMA journal_mode = WAL")
            try connection.execute("PRAGMA synchronous = NORMAL")
            try EventStore.migrate(connection)
        } catch {
            throw StoreError(error)
        }
    }

    /// Pending deliveries to `sink` whose time has come, oldest first.
    public func due(sink: String, at now: Timestamp, limit: Int = 32) throws(StoreError) -> [Delivery] {
        try select("""
            WHERE o.sink = ?1 AND o.state = 'pending' AND o.next_attempt <= ?2 ORDER BY o.next_attempt, o.id LIMIT ?3
            """, [.text(sink), .integer(now.microseconds), .integer(Int64(limit))])
    }

    /// When the next pending delivery to `sink` is due; nil when none is pending.
    public func nextAttempt(sink: String) throws(StoreError) -> Timestamp? {
        do {
            return try connection.scalar("SELECT min(next_attempt) FROM outbox WHERE sink = ?1 AND state = 'pending'", [.text(sink)])
                .map(Timestamp.init(microseconds:))
        } catch {
            throw StoreError(error)
        }
    }

    /// Deliveries of one alert (by id or key): per sink, its firing and then its resolution.
    public func deliveries(ofAlert id: String) throws(StoreError) -> [Delivery] {
        try select("WHERE a.id = ?1 OR a.key = ?1 ORDER BY o.sink, o.id", [.text(id)])
    }

    /// Every delivery to `sink`, in the order created.
    public func deliveries(ofSink sink: String) throws(StoreError) -> [Delivery] {
        try select("WHERE o.sink = ?1 ORDER BY o.id", [.text(sink)])
    }

    /// Pending deliveries to `sink`: the outbox depth `/metrics` reports.
    public func pendingCount(sink: String) throws(StoreError) -> Int {
        do {
            return Int(try connection.scalar("SELECT count(*) FROM outbox WHERE sink = ?1 AND state = 'pending'", [.text(sink)]) ?? 0)
        } catch {
            throw StoreError(error)
        }
    }

    /// The receiver took it.
    public func markDelivered(_ id: Int64, at now: Timestamp) throws(StoreError) {
        try update("""
            UPDATE outbox SET state = 'delivered', attempts = attempts + 1, last_attempt = ?2, done = ?2, last_error = NULL
            WHERE id = ?1
            """, [.integer(id), .integer(now.microseconds)])
    }

    /// The attempt failed in a way worth retrying, at `retryAt`.
    public func markFailed(_ id: Int64, error: String, retryAt: Timestamp, at now: Timestamp) throws(StoreError) {
        try update("""
            UPDATE outbox SET attempts = attempts + 1, last_attempt = ?2, next_attempt = ?3, last_error = ?4 WHERE id = ?1
            """, [.integer(id), .integer(now.microseconds), .integer(retryAt.microseconds), .text(error)])
    }

    /// Given up, with the reason; `attempted` when this follows an attempt (not an expiry).
    public func markDead(_ id: Int64, error: String, attempted: Bool, at now: Timestamp) throws(StoreError) {
        try update("""
            UPDATE outbox SET state = 'dead', attempts = attempts + ?3, last_attempt = CASE WHEN ?3 = 1 THEN ?2 ELSE last_attempt END,
                done = ?2, last_error = ?4
            WHERE id = ?1
            """, [.integer(id), .integer(now.microseconds), .integer(attempted ? 1 : 0), .text(error)])
    }

    /// Puts an alert's dead and pending deliveries back in line, due now and with a fresh
    /// maximum age (`keywatch alerts retry`).
    /// - Returns: the sinks that will be tried again.
    public func retry(alert id: String, at now: Timestamp) throws(StoreError) -> [String] {
        do {
            return try connection.transaction {
                var sinks: [String] = []
                for delivery in try deliveries(ofAlert: id) where delivery.state != .delivered && !sinks.contains(delivery.sink) {
                    sinks.append(delivery.sink)
                }
                try connection.prepare("""
                    UPDATE outbox SET state = 'pending', next_attempt = ?2, created = ?2, done = NULL
                    WHERE state != 'delivered' AND alert_id = (SELECT id FROM alerts WHERE id = ?1 OR key = ?1)
                    """).run([.text(id), .integer(now.microseconds)])
                return sinks
            }
        } catch {
            throw StoreError(error)
        }
    }

    private func update(_ sql: String, _ arguments: [SQLiteValue]) throws(StoreError) {
        do {
            try connection.prepare(sql).run(arguments)
        } catch {
            throw StoreError(error)
        }
    }

    private func select(_ condition: String, _ arguments: [SQLiteValue]) throws(StoreError) -> [Delivery] {
        do {
            let statement = try connection.prepare("""
                SELECT o.id, o.alert_id, o.sink, o.state, o.attempts, o.created, o.next_attempt, o.last_error, a.json, a.first_seen,
                       a.last_seen, o.announces
                FROM outbox o JOIN alerts a ON a.id = o.alert_id
                """ + " " + condition)
            try statement.bind(arguments)
            return try Delivery.all(from: statement)
        } catch {
            throw StoreError(error)
        }
    }
}

extension Delivery {
    /// The rows of a statement selecting id, alert_id, sink, state, attempts, created,
    /// next_attempt, last_error, the alert's json, first_seen and last_seen, and announces.
    static func all(from statement: Statement) throws(SQLiteError) -> [Delivery] {
        var found: [Delivery] = []
        while try statement.step() {
            found.append(Delivery(
                id: statement.int64(0), alertID: statement.text(1) ?? "", sink: statement.text(2) ?? "",
                announces: AlertStatus(rawValue: statement.text(11) ?? "") ?? .firing,
                state: DeliveryState(rawValue: statement.text(3) ?? "") ?? .pending, attempts: Int(statement.int64(4)),
                created: Timestamp(microseconds: statement.int64(5)), nextAttempt: Timestamp(microseconds: statement.int64(6)),
                lastError: statement.text(7), alertJSON: statement.text(8) ?? "{}",
                firstSeen: Timestamp(microseconds: statement.int64(9)), lastSeen: Timestamp(microseconds: statement.int64(10))))
        }
        return found
    }
}

extension EventReader {
    /// Deliveries of the alerts with these ids, by alert id (for `keywatch alerts list`), per
    /// sink its firing and then its resolution; empty for a store that predates the outbox.
    public func deliveries(ofAlerts ids: [String]) throws(StoreError) -> [String: [Delivery]] {
        guard !ids.isEmpty else { return [:] }
        do {
            guard try connection.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'outbox'") == 1 else { return [:] }
            // A store read before it is migrated (readers do not migrate) announced only alerts firing.
            let announcing = try connection.scalar("SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'announces'") == 1
            let statement = try connection.prepare("""
                SELECT o.id, o.alert_id, o.sink, o.state, o.attempts, o.created, o.next_attempt, o.last_error, '', 0, 0,
                       \(announcing ? "o.announces" : "'firing'")
                FROM outbox o WHERE o.alert_id IN (SELECT value FROM json_each(?1)) ORDER BY o.sink, o.id
                """)
            var list = JSONWriter()
            list.beginArray()
            for id in ids { list.value(id) }
            list.endArray()
            try statement.bind([.text(list.string)])
            return Dictionary(grouping: try Delivery.all(from: statement), by: \.alertID)
        } catch {
            throw StoreError(error)
        }
    }
}
