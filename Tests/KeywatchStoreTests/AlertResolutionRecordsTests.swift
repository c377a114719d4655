import Foundation
import KeywatchCore
import KeywatchTestSupport
import Testing
@testable import KeywatchStore

/// A resolved alert in the store: its row rewritten once, and a second delivery per sink.
@Suite("Alert resolution records")
struct AlertResolutionRecordsTests {
    private let rule = try! RuleFile.parse("""
        rules:
          - id: log-source-silent
            type: absence
            group_by: [account]
            window: 2h
        """, file: "rules/silence.yaml")[0]

    private func alert(key: String) -> Alert {
        let time = Timestamp(parsing: "2026-11-20T09:00:00Z")!
        return Alert(key: key, rule: rule, group: [GroupValue(field: "account", value: "111122223333")], count: 0,
                     window: AlertWindow(start: time, end: time + .hours(2)), firstSeen: time, lastSeen: time,
                     summary: "no events for account=111122223333", details: [], events: ["e1"])
    }

    private func resolved(_ alert: Alert) -> Alert {
        var resolved = alert
        resolved.resolvedAt = Timestamp(parsing: "2026-11-20T12:00:00Z")!
        return resolved
    }

    private func announcements(_ path: String, _ id: String) throws -> [String] {
        try Outbox(path: path).deliveries(ofAlert: id).map { "\($0.sink) \($0.announces.rawValue) \($0.state.rawValue)" }
    }

    @Test("a resolution rewrites the alert as resolved and adds a delivery per sink; replayed, it is neither sent nor undone")
    func resolution() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let store = try EventStore(path: path)
        store.deliverySinks = ["email", "webhook"]
        let raised = alert(key: String(repeating: "ab", count: 32))
        let end = resolved(raised)
        func record(_ changes: [AlertChange]) throws -> [Alert] {
            try store.transaction { () throws(StoreError) in try store.record(changes, at: .now) }
        }

        #expect(try record([.raised(raised)]) == [raised])
        #expect(try record([.resolved(end)]) == [end])
        let stored = try #require(try EventReader(path: path).alert(id: raised.id))
        #expect(try Alert(json: stored.json) == end)
        #expect(try store.connection.scalar("SELECT resolved FROM alerts") == end.resolvedAt?.microseconds)
        #expect(try announcements(path, raised.id) == ["email firing pending", "email resolved pending",
                                                        "webhook firing pending", "webhook resolved pending"])

        // A replay after a crash raises, updates and resolves it again: nothing changes, nothing is sent.
        var joined = raised
        joined.count = 3
        #expect(try record([.raised(raised), .updated(joined), .resolved(end)]).isEmpty)
        #expect(try EventReader(path: path).alert(id: raised.id)?.json == stored.json)
        #expect(try announcements(path, raised.id).count == 4)
        // An alert the store does not hold (pruned, or never stored) has nothing to resolve.
        #expect(try record([.resolved(resolved(alert(key: String(repeating: "cd", count: 32))))]).isEmpty)
        #expect(try store.connection.scalar("SELECT count(*) FROM outbox") == 4)
    }

    @Test("an alert stored under its collision id resolves under it: the id handed on and kept in its JSON")
    func resolutionOfCollidingID() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        let first = alert(key: "0123456789abcdef" + "1111111111111111")
        let second = alert(key: "0123456789abcdef" + "2222222222222222")
        _ = try store.transaction { () throws(StoreError) in try store.record([.raised(first), .raised(second)], at: .now) }
        let handed = try store.transaction { () throws(StoreError) in try store.record([.resolved(resolved(second))], at: .now) }
        #expect(handed.map(\.id) == ["kw-" + second.key])
        let json = try #require(try EventReader(path: directory.path("k.db")).alert(id: second.key)?.json)
        #expect(try Alert(json: json).id == "kw-" + second.key)
        #expect(try Alert(json: json).status == .resolved)
    }

    @Test("a store of version 11 gets resolutions when opened: its deliveries kept as announcing alerts firing, a resolution's beside them")
    func migration() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let old = try storeOfSchema(11, at: path)
        try old.execute("""
            INSERT INTO alerts(id, key, rule, severity, first_seen, last_seen, count, raised, updated, json)
                VALUES ('kw-1', 'k1', 'r', 'high', 1, 2, 1, 3, 3, '{}');
            INSERT INTO outbox(id, alert_id, sink, state, attempts, created, next_attempt, last_attempt, last_error, done) VALUES
                (7, 'kw-1', 'webhook', 'delivered', 2, 10, 11, 12, NULL, 12),
                (8, 'kw-1', 'email', 'pending', 1, 10, 20, 13, 'SMTP 451', NULL);
            """)
        // A reader does not migrate: it reads the old outbox as announcing alerts firing.
        #expect(try EventReader(path: path).deliveries(ofAlerts: ["kw-1"])["kw-1"]?.map(\.announces) == [.firing, .firing])

        let store = try EventStore(path: path)
        #expect(try store.connection.scalar("PRAGMA user_version") == Int64(EventStore.schemaVersion))
        let rows = try ReadOnlySQL(path: path).run("""
            SELECT id, alert_id, sink, announces, state, attempts, created, next_attempt, last_attempt, last_error, done FROM outbox ORDER BY id
            """).rows
        #expect(rows == [
            [.integer(7), .text("kw-1"), .text("webhook"), .text("firing"), .text("delivered"), .integer(2), .integer(10), .integer(11),
             .integer(12), .null, .integer(12)],
            [.integer(8), .text("kw-1"), .text("email"), .text("firing"), .text("pending"), .integer(1), .integer(10), .integer(20),
             .integer(13), .text("SMTP 451"), .null],
        ])
        #expect(try store.connection.scalar("SELECT count(*) FROM alerts WHERE resolved IS NULL") == 1)
        #expect(try store.connection.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'outbox_due'") == 1)
        // The unique key holds the announcement: a resolution's delivery joins, a second firing one does not.
        store.deliverySinks = ["webhook"]
        try store.transaction { () throws(StoreError) in
            try store.enqueueDeliveries(of: "kw-1", announcing: .resolved, at: .now)
            try store.enqueueDeliveries(of: "kw-1", announcing: .firing, at: .now)
        }
        #expect(try announcements(path, "kw-1") == ["email firing pending", "webhook firing delivered", "webhook resolved pending"])
    }
}
