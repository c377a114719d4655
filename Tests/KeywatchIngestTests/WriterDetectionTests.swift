import Foundation
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
import Logging
import Testing
@testable import KeywatchIngest

/// The daemon's writer runs detection beside it: a batch's alerts are stored with the next
/// commit, or on their own when nothing else is waiting — and always before a sink sees them.
@Suite("Writer detection")
struct WriterDetectionTests {
    /// Alerts handed on by the writer, each with whether the store already held it then.
    final class Delivered: @unchecked Sendable {
        private let lock = NSLock()
        private var alerts: [(key: String, rule: String, stored: Bool)] = []
        var all: [(key: String, rule: String, stored: Bool)] { lock.withLock { alerts } }
        /// One hand-over's alerts, all at once.
        func append(_ handedOn: [(Alert, stored: Bool)]) {
            lock.withLock { alerts += handedOn.map { ($0.0.key, $0.0.rule, $0.stored) } }
        }
    }

    @Test("a lone batch's alerts are stored and handed on without waiting for another batch")
    func loneBatchAlerts() async throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let store = try EventStore(path: path)
        let rules = try RuleDirectory.load(repositoryRoot.appendingPathComponent("rules").path)
        let stage = try DetectionStage(store: store, rules: rules.rules, overlapping: true)
        let delivered = Delivered()
        // The clock moves on the writer's first loop, then not for an hour (moving it stores
        // pending alerts too).
        let writer = try StoreWriter(
            store: store, identities: rules.identities, detection: stage, metrics: DaemonMetrics(),
            options: StoreWriter.Options(advanceInterval: 3600), logger: Logger(label: "test"),
            onAlerts: { alerts in
                let reader = try? SQLiteConnection(path: path, readOnly: true)
                delivered.append(alerts.map { alert in
                    (alert, (try? reader?.scalar("SELECT count(*) FROM alerts WHERE key = ?1", [.text(alert.key)])) == 1)
                })
            },
            onFailure: { _ in })
        writer.start()
        defer { writer.stop() }

        // A first batch of successful reads: the writer's first loop also moves the clock,
        // which would store pending alerts by itself.
        var reads = EventBatch()
        Array(SyntheticLogs.keyVaultLines(1000..<1010).utf8).withUnsafeBytes {
            RecordDecoder().decodeDocument($0, origin: Origin(input: "http:test", offset: nil), into: &reads)
        }
        _ = try await writer.write(reads, idempotency: nil)
        writer.flush()  // the first loop is over: from here on, only commits store alerts

        // Fifty denied reads by one principal within a second: a burst, and a first denial.
        var batch = EventBatch()
        let denied = (0..<50).map { SyntheticLogs.keyVaultLine($0, status: 403) + "\n" }.joined()
        Array(denied.utf8).withUnsafeBytes {
            RecordDecoder().decodeDocument($0, origin: Origin(input: "http:test", offset: nil), into: &batch)
        }
        let outcome = try await writer.write(batch, idempotency: nil).outcome
        #expect(outcome?.accepted == 50)
        let deadline = Date().addingTimeInterval(10)
        let expected: Set = ["denied-burst", "first-denial"]
        while !Set(delivered.all.map(\.rule)).isSuperset(of: expected), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }

        let handedOn = delivered.all
        #expect(Set(handedOn.map(\.rule)).isSuperset(of: expected), "\(handedOn.map(\.rule))")
        #expect(handedOn.allSatisfy { $0.stored })
        let inStore = try ReadOnlySQL(path: path).run("SELECT key FROM alerts ORDER BY seq").rows.map { $0[0] }
        #expect(inStore == handedOn.map { SQLiteValue.text($0.key) })
    }
}
