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

    @Test("an event too late for its window is counted per rule in /metrics and said in the log with its group and lateness")
    func lateEventsAreVisible() async throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        let rules = try RuleDirectory.load(repositoryRoot.appendingPathComponent("rules").path)
        let stage = try DetectionStage(store: store, rules: rules.rules, overlapping: true)
        let metrics = DaemonMetrics()
        let log = CapturedLog()
        let writer = try StoreWriter(
            store: store, identities: rules.identities, detection: stage, metrics: metrics,
            options: StoreWriter.Options(advanceInterval: 3600), logger: Logger(label: "test") { _ in log },
            onAlerts: { _ in }, onFailure: { _ in })
        writer.start()
        defer { writer.stop() }
        #expect(metrics.exposition(writerBacklog: 0).contains(#"keywatch_detection_late_events_total{rule="read-spike"} 0"#))

        // Reads at 11:00, then one at 10:00 by the same caller: an hour behind its group, past
        // read-spike's lateness (15m).
        var batch = EventBatch()
        let lines = SyntheticLogs.keyVaultLines(3_600_000..<3_600_010) + SyntheticLogs.keyVaultLine(0) + "\n"
        Array(lines.utf8).withUnsafeBytes {
            RecordDecoder().decodeDocument($0, origin: Origin(input: "http:test", offset: nil), into: &batch)
        }
        _ = try await writer.write(batch, idempotency: nil)
        writer.flush()

        let exposition = metrics.exposition(writerBacklog: 0)
        #expect(exposition.contains(#"keywatch_detection_late_events_total{rule="read-spike"} 1"#), "\(exposition)")
        #expect(exposition.contains(#"keywatch_detection_refused_events_total{rule="read-spike"} 0"#))
        let warning = try #require(log.lines.first { $0.message.contains("not counted") })
        #expect(warning.metadata["rule"] == "read-spike" && warning.metadata["count"] == "1")
        #expect(warning.metadata["behind"] == "1h" && warning.metadata["event_time"]?.hasPrefix("2026-11-20T10:00:00") == true)
        #expect(warning.metadata["group"]?.hasPrefix("principal=") == true)
    }
}

/// A log handler that keeps what it is given.
final class CapturedLog: LogHandler, @unchecked Sendable {
    struct Line {
        var message: String
        var metadata: [String: String]
    }

    private let lock = NSLock()
    private var captured: [Line] = []
    var lines: [Line] { lock.withLock { captured } }
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let line = Line(message: "\(event.message)", metadata: (event.metadata ?? [:]).mapValues { "\($0)" })
        lock.withLock { captured.append(line) }
    }
}
