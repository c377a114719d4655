import Foundation
import KeywatchAlerting
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
import Testing

/// A resolved alert reaches every sink a second time, through the outbox, to a real webhook
/// receiver and a real SMTP server.
@Suite("Resolution delivery", .serialized)
struct ResolutionDeliveryTests {
    let directory = TemporaryDirectory()
    var db: String { directory.path("keywatch.db") }

    /// `alert` raised in the store and delivered to `sink`, then resolved: the deliveries once
    /// both are done.
    func raiseThenResolve(_ alert: Alert, to sink: any AlertSink) throws -> (firstDone: [Delivery], bothDone: [Delivery]) {
        try storeWithAlerts(db, [alert], sinks: [sink.name])
        let first = try deliver(sink, store: db) { $0.first?.state == .delivered }
        var resolved = alert
        resolved.resolvedAt = alert.lastSeen + .hours(3)
        let store = try EventStore(path: db)
        store.deliverySinks = [sink.name]
        let handed = try store.transaction { () throws(StoreError) in try store.record([.resolved(resolved)], at: .now) }
        #expect(handed == [resolved])
        let both = try deliver(sink, store: db) { $0.count == 2 && $0.allSatisfy { $0.state == .delivered } }
        return (first, both)
    }

    @Test("a webhook gets the alert firing, then its resolution: the stored JSON saying resolved, signed, under an id of its own")
    func webhook() throws {
        let receiver = try WebhookReceiver(["204"])
        let key = Array("a secret the receiver shares".utf8)
        let sink = WebhookSink(name: "webhook", url: receiver.url, secret: "whsec_" + Data(key).base64EncodedString(),
                               policy: DeliveryPolicy(timeout: 5, maximumAge: 3600, maximumPerMinute: 600, firstRetry: 0.2))
        let alert = testAlert(1)
        let (first, both) = try raiseThenResolve(alert, to: sink)
        #expect(first.map(\.announces) == [.firing])
        #expect(both.map(\.announces) == [.firing, .resolved])
        #expect(both.map(\.state) == [.delivered, .delivered])

        let requests = receiver.requests
        try #require(requests.count == 2)
        #expect(requests.map { $0.headers["webhook-id"] } == [alert.id, alert.id + "-resolved"])
        let bodies = try requests.map { try Alert(json: String(decoding: $0.body, as: UTF8.self)) }
        #expect(bodies.map(\.status) == [.firing, .resolved])
        #expect(bodies[1].resolvedAt == alert.lastSeen + .hours(3))
        let stored = try #require(try EventReader(path: db).alert(id: alert.id))
        #expect(requests[1].body == Array(stored.json.utf8))
        #expect(requests.allSatisfy { WebhookDeliveryTests.verifies($0, key: key) })
    }

    @Test("e-mail: the resolution's message says RESOLVED in its subject and first line, and replies to the alert's")
    func email() throws {
        let server = try SMTPServer()
        let sink = EmailSink(name: "email", url: "smtp://localhost:\(server.port)", from: "keywatch@example.com",
                             to: ["secops@example.com"], username: "keywatch", password: "s3cret",
                             policy: DeliveryPolicy(timeout: 10, caFile: server.certificate))
        let alert = testAlert(1)
        let (_, both) = try raiseThenResolve(alert, to: sink)
        #expect(both.map(\.state) == [.delivered, .delivered])

        let messages = server.messages().map { ReceivedMail($0.message) }
        try #require(messages.count == 2)
        #expect(messages.map { $0.header("Subject") } == [["[keywatch][high] KMS key disabled"],
                                                          ["[keywatch][RESOLVED][high] KMS key disabled"]])
        #expect(messages.map { $0.header("Message-ID") } == [["<\(alert.id)@keywatch.invalid>"],
                                                             ["<\(alert.id)-resolved@keywatch.invalid>"]])
        #expect(messages[0].header("In-Reply-To").isEmpty)
        #expect(messages[1].header("In-Reply-To") == ["<\(alert.id)@keywatch.invalid>"])
        let end = (alert.lastSeen + .hours(3)).rfc3339
        #expect(messages[1].body.hasPrefix("RESOLVED at \(end): what this alert reported has ended.\n\n\(alert.summary)\n"))
        #expect(messages[1].body.contains("\nResolved    \(end)\n"))
        #expect(!messages[0].body.contains("RESOLVED"))
    }
}
