import Crypto
import Foundation
import KeywatchAlerting
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
import Testing

/// The webhook sink and the outbox worker against a real HTTP receiver on loopback.
@Suite("Webhook delivery")
struct WebhookDeliveryTests {
    let directory = TemporaryDirectory()
    var db: String { directory.path("keywatch.db") }

    func sink(secret: String? = nil, timeout: Double = 5, firstRetry: Double = 0.2, maximumAge: Double = 3600,
              perMinute: Int = 600, url: String) -> WebhookSink {
        WebhookSink(name: "webhook", url: url, secret: secret,
                    policy: DeliveryPolicy(timeout: timeout, maximumAge: maximumAge, maximumPerMinute: perMinute, firstRetry: firstRetry))
    }

    /// The Standard Webhooks check a receiver makes: HMAC-SHA256 over "<id>.<timestamp>.<raw body>".
    static func verifies(_ request: WebhookReceiver.Request, key: [UInt8]) -> Bool {
        guard let id = request.headers["webhook-id"], let timestamp = request.headers["webhook-timestamp"],
              let signature = request.headers["webhook-signature"], signature.hasPrefix("v1,"),
              let mac = Data(base64Encoded: String(signature.dropFirst(3))) else { return false }
        let signed = Array("\(id).\(timestamp).".utf8) + request.body
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: SymmetricKey(data: key))
    }

    @Test("a receiver failing once with 500 gets the alert exactly once more, signed over the raw body, with a stable id")
    func retriedAfterServerError() throws {
        let receiver = try WebhookReceiver(["500:body=try later", "204"])
        let alert = testAlert(1)
        try storeWithAlerts(db, [alert], sinks: ["webhook"])
        let key = Array("a secret the receiver shares".utf8)
        let secret = "whsec_" + Data(key).base64EncodedString()

        let deliveries = try deliver(sink(secret: secret, url: receiver.url), store: db) { $0.first?.state == .delivered }

        #expect(deliveries.map(\.state) == [.delivered])
        #expect(deliveries.first?.attempts == 2)
        let requests = receiver.requests
        #expect(requests.map(\.answered) == [500, 204])
        #expect(requests.allSatisfy { $0.headers["webhook-id"] == alert.id })
        #expect(requests.allSatisfy { $0.body == Array(alert.json.utf8) })
        #expect(requests.allSatisfy { Self.verifies($0, key: key) })
        let timestamp = Double(requests.last?.headers["webhook-timestamp"] ?? "") ?? 0
        #expect(abs(timestamp - Date().timeIntervalSince1970) < 60)
        // The check can fail: one changed byte of the body, or the wrong key, does not verify.
        var tampered = try #require(requests.last)
        tampered.body[tampered.body.count / 2] ^= 1
        #expect(!Self.verifies(tampered, key: key))
        #expect(!Self.verifies(try #require(requests.last), key: Array("another secret".utf8)))
    }

    @Test("a change rule's alert reaches the receiver with `changed` as name → [old, new], null for an unknown old value")
    func changesInPayload() throws {
        let receiver = try WebhookReceiver(["204"])
        var alert = testAlert(5)
        alert.details = [AlertDetail("changed", .changes([AlertDetail.Change("networkAcls.defaultAction", old: "Deny", new: "Allow"),
                                                          AlertDetail.Change("enablePurgeProtection", old: nil, new: "false")]))]
        try storeWithAlerts(db, [alert], sinks: ["webhook"])
        let deliveries = try deliver(sink(url: receiver.url), store: db) { $0.first?.state == .delivered }
        #expect(deliveries.map(\.state) == [.delivered])
        let body = try #require(receiver.requests.first?.body)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let changed = try #require((object["details"] as? [String: Any])?["changed"] as? [String: [Any]])
        #expect(changed["networkAcls.defaultAction"] as? [String] == ["Deny", "Allow"])
        #expect(changed["enablePurgeProtection"]?.first is NSNull && changed["enablePurgeProtection"]?.last as? String == "false")
    }

    @Test("a plain secret signs with its UTF-8 bytes; no secret, no signature header")
    func plainSecretAndNone() throws {
        let receiver = try WebhookReceiver(["200"])
        try storeWithAlerts(db, [testAlert(1)], sinks: ["webhook"])
        _ = try deliver(sink(secret: "plain-secret", url: receiver.url), store: db) { $0.first?.state == .delivered }
        _ = try sink(url: receiver.url).deliver(OutgoingAlert(json: testAlert(2).json), isCancelled: { false })
        let requests = receiver.requests
        #expect(requests.count == 2)
        #expect(Self.verifies(requests[0], key: Array("plain-secret".utf8)))
        #expect(requests[1].headers["webhook-signature"] == nil)
        #expect(requests[1].headers["webhook-id"] == testAlert(2).id)
    }

    @Test("400 is final: dead after one attempt, with the status and the receiver's words, never retried")
    func clientErrorIsDead() throws {
        let receiver = try WebhookReceiver(["400:body=unknown channel"])
        try storeWithAlerts(db, [testAlert(1)], sinks: ["webhook"])
        let deliveries = try deliver(sink(url: receiver.url), store: db) { $0.first?.state == .dead }
        usleep(800_000)  // several retry intervals: none comes
        #expect(deliveries.first?.state == .dead)
        #expect(deliveries.first?.attempts == 1)
        #expect(deliveries.first?.lastError?.contains("HTTP 400: unknown channel") == true)
        #expect(receiver.requests.count == 1)
    }

    @Test("429 with Retry-After: the next attempt waits that long, not the (shorter) backoff")
    func retryAfterHonoured() throws {
        let receiver = try WebhookReceiver(["429:retry-after=2", "200"])
        try storeWithAlerts(db, [testAlert(1)], sinks: ["webhook"])
        let deliveries = try deliver(sink(firstRetry: 0.05, url: receiver.url), store: db) { $0.first?.state == .delivered }
        let requests = receiver.requests
        #expect(deliveries.first?.state == .delivered)
        #expect(requests.map(\.answered) == [429, 200])
        if requests.count == 2 {
            #expect(requests[1].received.timeIntervalSince(requests[0].received) >= 1.9)
        }
    }

    @Test("a receiver that never answers: the attempt times out and is retried")
    func timeoutRetried() throws {
        let receiver = try WebhookReceiver(["hang:30"])
        try storeWithAlerts(db, [testAlert(1)], sinks: ["webhook"])
        let started = Date()
        let deliveries = try deliver(sink(timeout: 1, url: receiver.url), store: db) { ($0.first?.attempts ?? 0) >= 2 }
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(deliveries.first?.state == .pending)
        #expect(deliveries.first?.lastError?.hasPrefix("timeout:") == true)
        #expect(receiver.requests.count >= 2)
        #expect(Set(receiver.requests.compactMap { $0.headers["webhook-id"] }) == [testAlert(1).id])
    }

    @Test("still failing when the next retry would pass max_age: dead, saying why")
    func givesUpPastMaximumAge() throws {
        let receiver = try WebhookReceiver(["502"])
        try storeWithAlerts(db, [testAlert(1)], sinks: ["webhook"])
        let deliveries = try deliver(sink(firstRetry: 0.3, maximumAge: 1.5, url: receiver.url), store: db) { $0.first?.state == .dead }
        #expect(deliveries.first?.state == .dead)
        #expect(deliveries.first?.lastError?.contains("HTTP 502") == true)
        #expect(deliveries.first?.lastError?.contains("max_age") == true)
        #expect(receiver.requests.count >= 2)
    }

    @Test("nothing listening: refused, retried")
    func refusedRetried() throws {
        try storeWithAlerts(db, [testAlert(1)], sinks: ["webhook"])
        let closed = ClosedPort()
        let deliveries = try deliver(sink(url: "http://127.0.0.1:\(closed.port)/hook"), store: db) { ($0.first?.attempts ?? 0) >= 2 }
        #expect(deliveries.first?.state == .pending)
        #expect(deliveries.first?.lastError?.hasPrefix("refused:") == true)
    }

    @Test("the per-sink rate limit holds an alert storm back: the rest wait, none is dropped")
    func rateLimited() throws {
        let receiver = try WebhookReceiver(["200"])
        try storeWithAlerts(db, (1...5).map { testAlert($0) }, sinks: ["webhook"])
        let deliveries = try deliver(sink(perMinute: 1, url: receiver.url), store: db, seconds: 2) { _ in false }
        #expect(deliveries.filter { $0.state == .delivered }.count == 1)
        #expect(deliveries.filter { $0.state == .pending }.count == 4)
        #expect(receiver.requests.count == 1)
    }

    @Test("stopping abandons the attempt under way at once; the delivery stays pending, its attempt uncounted")
    func stopCancels() throws {
        let receiver = try WebhookReceiver(["hang:30"])
        try storeWithAlerts(db, [testAlert(1)], sinks: ["webhook"])
        let worker = OutboxWorker(sink: sink(timeout: 20, url: receiver.url), storePath: db, logger: .init(label: "test"))
        worker.start()
        #expect(receiver.wait(seconds: 20) { $0.count == 1 })
        let stopping = Date()
        worker.stop()
        #expect(Date().timeIntervalSince(stopping) < 3)
        let delivery = try Outbox(path: db).deliveries(ofSink: "webhook").first
        #expect(delivery?.state == .pending)
        #expect(delivery?.attempts == 0)
    }

    @Test("alerts retry puts a dead delivery back in line, and the worker delivers it")
    func retryDead() throws {
        let receiver = try WebhookReceiver(["410", "200"])
        try storeWithAlerts(db, [testAlert(1)], sinks: ["webhook"])
        _ = try deliver(sink(url: receiver.url), store: db) { $0.first?.state == .dead }
        #expect(try Outbox(path: db).retry(alert: testAlert(1).id, at: .now) == ["webhook"])
        let deliveries = try deliver(sink(url: receiver.url), store: db) { $0.first?.state == .delivered }
        #expect(deliveries.first?.state == .delivered)
        #expect(receiver.requests.map(\.answered) == [410, 200])
        #expect(try Outbox(path: db).retry(alert: testAlert(1).id, at: .now) == [])
    }

    /// A row damaged in the store (a disk error, a hand edit) must not be sent as an alert with
    /// empty fields, nor stop the worker: it is given up with the reason, and the rest go out.
    @Test("a stored alert whose JSON is not an alert is given up with the reason, unsent; the next one is delivered")
    func unreadableStoredAlert() throws {
        let receiver = try WebhookReceiver(["204", "204"])
        let damaged = testAlert(1), intact = testAlert(2)
        try storeWithAlerts(db, [damaged, intact], sinks: ["webhook"])
        try SQLiteConnection(path: db).execute("UPDATE alerts SET json = json_remove(json, '$.first_seen') WHERE id = '\(damaged.id)'")

        let deliveries = try deliver(sink(url: receiver.url), store: db) { $0.allSatisfy { $0.state != .pending } }

        #expect(deliveries.map(\.alertID) == [damaged.id, intact.id])
        #expect(deliveries.map(\.state) == [.dead, .delivered])
        #expect(deliveries.first?.attempts == 0)
        #expect(deliveries.first?.lastError == #"cannot read the stored alert: the alert has no "first_seen" member"#)
        #expect(receiver.requests.map { String(decoding: $0.body, as: UTF8.self) } == [intact.json])
    }
}
