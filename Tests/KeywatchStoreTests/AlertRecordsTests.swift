import Foundation
import KeywatchCore
import KeywatchTestSupport
import Testing
@testable import KeywatchStore

@Suite("Alert records")
struct AlertRecordsTests {
    private let rule = try! RuleFile.parse("""
        rules:
          - id: first-denial
            type: first_seen
            where: {outcome: denied}
            fields: [principal, resource]
        """, file: "rules/denied.yaml")[0]

    private func alert(key: String, principal: String) -> Alert {
        let time = Timestamp(parsing: "2026-11-20T09:00:00Z")!
        return Alert(key: key, rule: rule, group: [GroupValue(field: "principal", value: principal)], count: 1,
                     window: nil, firstSeen: time, lastSeen: time, summary: "denied \(principal)", details: [],
                     events: ["event-\(principal)"])
    }

    private func jsonID(_ stored: StoredAlert?) throws -> String? {
        let data = try #require(stored?.json.data(using: .utf8))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? String
    }

    @Test("two keys sharing their first 64 bits are both stored: the second takes its whole key as its id, in its row and its JSON, also after an update")
    func idCollision() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        // Log writers choose the values alert keys digest; 64 bits of a digest collide after
        // about 2^32 tries, which is minutes of work.
        let first = alert(key: "0123456789abcdef" + "1111111111111111", principal: "a")
        let second = alert(key: "0123456789abcdef" + "2222222222222222", principal: "b")
        #expect(first.id == second.id)

        let raised = try store.transaction { () throws(StoreError) in
            try store.record([.raised(first), .raised(second)], at: .now)
        }
        #expect(raised.map(\.key) == [first.key, second.key])
        #expect(raised.map(\.id) == [first.id, "kw-" + second.key])

        let reader = try EventReader(path: directory.path("k.db"))
        #expect(try reader.alerts().count == 2)
        #expect(try reader.alert(id: first.id)?.key == first.key)
        #expect(try reader.alert(id: "kw-" + second.key)?.key == second.key)
        #expect(try jsonID(reader.alert(id: second.key)) == "kw-" + second.key)

        // Events join the second alert: its JSON keeps the id it was stored under.
        var joined = second
        joined.count = 5
        let again = try store.transaction { () throws(StoreError) in
            try store.record([.raised(second), .updated(joined)], at: .now)
        }
        #expect(again.isEmpty)
        let updated = try #require(try reader.alert(id: second.key))
        #expect(updated.count == 5)
        #expect(try jsonID(updated) == "kw-" + second.key)
        #expect(try jsonID(reader.alert(id: first.key)) == first.id)
    }
}
