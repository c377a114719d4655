import Foundation
import KeywatchStore
import KeywatchTestSupport
import Testing

/// The daemon delivering alerts through its outbox to a real webhook receiver, across a SIGKILL.
@Suite("Daemon alert delivery", .serialized)
struct DeliveryDaemonTests {
    func configuration(webhook: String) -> String {
        """
        db: ./k.db
        rules: \(repositoryRoot.appendingPathComponent("rules").path)
        tail:
          - path: ./logs
        http: off
        sinks:
          - stdout: {format: json}
          - webhook: {url: "\(webhook)", secret_env: HOOK_SECRET, max_per_minute: 6000}
        """
    }

    /// Alert ids in the store.
    static func alertIDs(_ db: String) -> Set<String> {
        guard let connection = try? SQLiteConnection(path: db, readOnly: true),
              let statement = try? connection.prepare("SELECT id FROM alerts") else { return [] }
        var ids: Set<String> = []
        while (try? statement.step()) == true { if let id = statement.text(0) { ids.insert(id) } }
        return ids
    }

    @Test("killed between an attempt and its retry, restarted: every alert reaches the webhook exactly once")
    func killedMidRetry() throws {
        // Every attempt fails with 500 until the first daemon is killed; then they are accepted.
        let accepting = WebhookReceiver.Gate()
        let receiver = try WebhookReceiver(["200"], gate: accepting)
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("logs"), withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: directory.path("logs"))
        try FileManager.default.copyItem(atPath: repositoryRoot.appendingPathComponent("sample-logs").path, toPath: directory.path("logs"))
        let environment = ["HOOK_SECRET": "whsec_" + Data("secret".utf8).base64EncodedString()]
        let db = directory.path("k.db")

        let first = try DaemonProcess(in: directory, configuration: configuration(webhook: receiver.url), environment: environment)
        // Every alert stored has had its first (failing) attempt: now no retry has started yet.
        let attempted = receiver.wait(seconds: 30) { requests in
            let ids = Self.alertIDs(db)
            return ids.count >= 10 && Set(requests.compactMap { $0.headers["webhook-id"] }) == ids
        }
        first.kill()
        #expect(accepting.open())
        #expect(attempted, "first attempts: \(receiver.requests.count); stderr: \(first.stderr.suffix(2000))")
        #expect(receiver.requests.allSatisfy { $0.answered == 500 })
        let alerts = Self.alertIDs(db)

        let second = try DaemonProcess(in: directory, configuration: configuration(webhook: receiver.url), environment: environment)
        let delivered = receiver.wait(seconds: 40) { requests in
            Set(requests.filter { $0.answered == 200 }.compactMap { $0.headers["webhook-id"] }).isSuperset(of: alerts)
        }
        usleep(500_000)  // time for a repeat to show, if there were one
        let stop = second.terminate()

        #expect(delivered, "stderr: \(second.stderr.suffix(2000))")
        #expect(stop.status == 0)
        let accepted = receiver.requests.filter { $0.answered == 200 }.compactMap { $0.headers["webhook-id"] }
        #expect(accepted.count == Set(accepted).count, "an alert was accepted twice")
        #expect(Set(accepted) == Self.alertIDs(db))
        let states = try SQLiteConnection(path: db, readOnly: true)
            .scalar("SELECT count(*) FROM outbox WHERE sink = 'webhook' AND state = 'delivered' AND attempts >= 2")
        #expect(states == Int64(alerts.count))

        // The delivery state, as investigators see it.
        let list = try keywatch(["alerts", "list", "--db", db, "--limit", "0"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("webhook:delivered"))
        #expect(!list.stdout.contains("webhook:pending"))
        let shown = try keywatch(["alerts", "show", try #require(alerts.first), "--db", db])
        #expect(shown.stdout.contains("SINK") && shown.stdout.contains("delivered"))
        let retry = try keywatch(["alerts", "retry", try #require(alerts.first), "--db", db])
        #expect(retry.status == 1)
        #expect(retry.stderr.contains("nothing to retry"))
    }

    @Test("sinks test: one test alert to each sink, the outcome of each, status 1 when one failed")
    func sinksTest() throws {
        let receiver = try WebhookReceiver(["202"])
        let directory = TemporaryDirectory()
        let closed = ClosedPort()
        try directory.write("keywatch.yaml", """
            sinks:
              - webhook: {url: "\(receiver.url)", name: hook}
              - email: {url: "smtp://127.0.0.1:\(closed.port)", from: k@example.com, to: [s@example.com], name: mail, timeout: 5s}
            """)
        let run = try keywatch(["sinks", "test", "--config", directory.path("keywatch.yaml")])
        #expect(run.status == 1)
        #expect(run.stdout.contains("hook: delivered (HTTP 202"))
        #expect(run.stdout.contains("mail: FAILED: refused: cannot connect"))
        #expect(receiver.requests.count == 1)
        #expect(receiver.requests.first?.headers["webhook-id"]?.hasPrefix("kw-test-") == true)

        let none = try keywatch(["sinks", "test"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("no webhook or e-mail sink is configured"))
    }
}
