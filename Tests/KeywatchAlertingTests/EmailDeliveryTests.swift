import Foundation
import KeywatchAlerting
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
import Testing

/// The e-mail sink through libcurl against a real SMTP server (aiosmtpd) with STARTTLS and AUTH.
@Suite("E-mail delivery", .serialized)
struct EmailDeliveryTests {
    func sink(_ server: SMTPServer, host: String = "localhost", to: [String] = ["secops@example.com"],
              password: String? = "s3cret", trust: Bool = true) -> EmailSink {
        EmailSink(name: "email", url: "smtp://\(host):\(server.port)", from: "keywatch@example.com", to: to,
                  username: password == nil ? nil : "keywatch", password: password,
                  policy: DeliveryPolicy(timeout: 10, caFile: trust ? server.certificate : nil))
    }

    @Test("STARTTLS and AUTH: the message arrives, subject and body as specified, a line starting with a dot intact")
    func delivered() throws {
        let server = try SMTPServer()
        var alert = testAlert(1, summary: ".hidden? no: a summary line starting with a dot")
        alert.details = [AlertDetail("threshold", .integer(5))]
        let answer = try sink(server).deliver(OutgoingAlert(json: alert.json), isCancelled: { false })
        #expect(answer == "SMTP 250")
        let messages = server.messages()
        try #require(messages.count == 1)
        #expect(messages[0].recipients == ["secops@example.com"])
        let mail = ReceivedMail(messages[0].message)
        #expect(mail.header("Subject") == ["[keywatch][high] KMS key disabled"])
        #expect(mail.header("From") == ["keywatch@example.com"])
        #expect(mail.header("Message-ID") == ["<\(alert.id)@keywatch.invalid>"])
        let lines = mail.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == ".hidden? no: a summary line starting with a dot")
        #expect(lines.contains("Group       principal=arn:aws:iam::111122223333:role/app-1"))
        #expect(lines.contains("Count       1"))
        #expect(lines.contains("threshold   5"))
        #expect(lines.contains("Investigate: keywatch alerts show \(alert.id)"))
    }

    @Test("a CR/LF in a title or summary adds no header and no recipient")
    func headerInjection() throws {
        let server = try SMTPServer()
        var alert = testAlert(1, summary: "line one\r\nBcc: attacker@evil.example\r\n\r\n.\r\nMAIL FROM:<x@evil.example>")
        alert.title = "Disabled\r\nBcc: attacker@evil.example\nX-Injected: yes"
        _ = try sink(server).deliver(OutgoingAlert(json: alert.json), isCancelled: { false })
        let messages = server.messages()
        try #require(messages.count == 1)
        #expect(messages[0].recipients == ["secops@example.com"])
        let mail = ReceivedMail(messages[0].message)
        #expect(mail.header("Bcc").isEmpty)
        #expect(mail.header("X-Injected").isEmpty)
        #expect(mail.header("Subject") == ["[keywatch][high] Disabled Bcc: attacker@evil.example X-Injected: yes"])
        #expect(mail.body.hasPrefix("line one\\x0d\\x0aBcc: attacker@evil.example\\x0d\\x0a\\x0d\\x0a.\\x0d\\x0aMAIL FROM:"))
    }

    @Test("a non-ASCII title is encoded in the header and decodes back")
    func encodedSubject() throws {
        let server = try SMTPServer()
        var alert = testAlert(1)
        alert.title = "Schlüssel gelöscht — 鍵が削除されました, and a long tail to force a second encoded word"
        _ = try sink(server).deliver(OutgoingAlert(json: alert.json), isCancelled: { false })
        let subject = try #require(server.messages().first.map { ReceivedMail($0.message).header("Subject") }?.first)
        #expect(subject.hasPrefix("=?UTF-8?B?"))
        let decoded = subject.components(separatedBy: "?=").compactMap { word -> String? in
            guard let start = word.range(of: "=?UTF-8?B?") else { return nil }
            return Data(base64Encoded: String(word[start.upperBound...])).map { String(decoding: $0, as: UTF8.self) }
        }.joined()
        #expect(decoded == "[keywatch][high] " + alert.title)
    }

    @Test("a wrong password fails as an authentication error")
    func wrongPassword() throws {
        let server = try SMTPServer()
        #expect { try sink(server, password: "wrong").deliver(OutgoingAlert(json: testAlert(1).json), isCancelled: { false }) }
            throws: { ($0 as? DeliveryError)?.kind == .authentication }
        #expect(server.messages().isEmpty)
    }

    @Test("a certificate the sink does not trust fails as a TLS error, before any credential is sent")
    func untrustedCertificate() throws {
        let server = try SMTPServer()
        #expect { try sink(server, trust: false).deliver(OutgoingAlert(json: testAlert(1).json), isCancelled: { false }) }
            throws: { ($0 as? DeliveryError)?.kind == .tls && ($0 as? DeliveryError)?.isPermanent == false }
        #expect(server.messages().isEmpty)
    }

    @Test("credentials with a server that offers no STARTTLS: refused as a TLS error, the password never sent in clear")
    func noStartTLS() throws {
        let server = try SMTPServer(tls: false)
        #expect { try sink(server, trust: false).deliver(OutgoingAlert(json: testAlert(1).json), isCancelled: { false }) }
            throws: { ($0 as? DeliveryError)?.kind == .tls }
        #expect(server.messages().isEmpty)
    }

    @Test("a refused recipient is final; nothing listening is a retryable refusal")
    func refusals() throws {
        let server = try SMTPServer()
        #expect { try sink(server, to: ["nobody@example.com"]).deliver(OutgoingAlert(json: testAlert(1).json), isCancelled: { false }) }
            throws: { ($0 as? DeliveryError)?.kind == .recipientRejected && ($0 as? DeliveryError)?.isPermanent == true }
        let port = ClosedPort()
        let closed = EmailSink(name: "email", url: "smtp://127.0.0.1:\(port.port)", from: "k@example.com", to: ["s@example.com"],
                               username: nil, password: nil, policy: DeliveryPolicy(timeout: 5))
        #expect { try closed.deliver(OutgoingAlert(json: testAlert(1).json), isCancelled: { false }) }
            throws: { ($0 as? DeliveryError)?.kind == .refused && ($0 as? DeliveryError)?.isPermanent == false }
    }

    @Test("through the outbox: the e-mail lists the evidence events read from the store")
    func evidenceFromStore() throws {
        let server = try SMTPServer()
        let directory = TemporaryDirectory()
        let db = directory.path("keywatch.db")
        // A real event in the store, and an alert whose evidence is that event.
        let record = #"{"eventVersion":"1.08","eventTime":"2026-11-20T09:00:01Z","eventSource":"kms.amazonaws.com","eventName":"DisableKey","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","userAgent":"aws-cli","eventID":"7e1a3c5d-0000-4000-8000-000000000001","eventType":"AwsApiCall","recipientAccountId":"111122223333","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app-1/s","accountId":"111122223333"},"requestParameters":{"keyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}"#
        let store = try EventStore(path: db)
        var batch = EventBatch()
        Array(record.utf8).withUnsafeBytes { RecordDecoder().decodeDocument($0, origin: Origin(input: "file:test", offset: 0), into: &batch) }
        store.deliverySinks = ["email"]
        try store.write(PreparedBatch(batch: batch, compressor: RawBlockCompressor()))
        var alert = testAlert(1)
        alert.events = ["7e1a3c5d-0000-4000-8000-000000000001", "gone-from-the-store"]
        _ = try store.transaction { () throws(StoreError) in try store.record([.raised(alert)], at: .now) }

        let deliveries = try deliver(sink(server), store: db) { $0.first?.state == .delivered }
        #expect(deliveries.first?.state == .delivered)
        let body = try #require(server.messages().first.map { ReceivedMail($0.message).body })
        #expect(body.contains("Evidence (1 of 2 events):"))
        #expect(body.contains("\n2026-11-20T09:00:01.000000Z  aws.kms  DisableKey  success  app-1  1234abcd-12ab-34cd-56ef-1234567890ab  203.0.113.9\n"))
        #expect(body.contains("(1 evidence event(s) are no longer in the store)"))
    }
}
