import Foundation
import Testing
import KeywatchTestSupport

/// The daemon, over logs delivered as the clouds deliver them — a backlog of hours after downtime,
/// then a trickle, a crash in the middle — raises the alerts `keywatch ingest` raises over the same
/// files, and calls no pipeline silent while every one is sending.
@Suite("Live equals backfill", .serialized)
struct LiveEqualsBackfillTests {
    /// Event-time seconds of delivery per second of the test: the last 15 minutes in about 40 s.
    static let compression = 25.0

    static func configuration() -> String {
        """
        db: ./k.db
        rules: \(repositoryRoot.appendingPathComponent("rules").path)
        tail:
          - path: ./logs/cloudtrail
          - path: ./logs/keyvault
        http: off
        sinks:
          - stdout: {format: json}
        """
    }

    @Test("4 hours of both clouds ending now, a backlog then a trickle with a SIGKILL in it: the daemon's alerts are ingest's, and no pipeline is called silent")
    func deliveredCorpus() throws {
        let directory = TemporaryDirectory()
        let start = Int(Date().timeIntervalSince1970)
        let corpus = try DeliveredCorpus(end: start, hours: 4, in: directory.path("staging"))
        let logs = directory.path("logs")
        for root in ["cloudtrail", "keyvault"] {
            try FileManager.default.createDirectory(atPath: logs + "/" + root, withIntermediateDirectories: true)
        }
        let backlog = corpus.deliveries.filter { $0.at <= Double(start) }
        let trickle = corpus.deliveries.filter { $0.at > Double(start) }
        #expect(backlog.count > 100 && trickle.count >= 5, "\(backlog.count) deliveries before the start, \(trickle.count) after")
        for delivery in backlog { try corpus.deliver(delivery, under: logs) }

        var daemon = try DaemonProcess(in: directory, configuration: Self.configuration())
        let trickleStarted = Date()
        var stderr = ""
        for (index, delivery) in trickle.enumerated() {
            let due = trickleStarted.addingTimeInterval((delivery.at - Double(start)) / Self.compression)
            if due > Date() { usleep(UInt32(due.timeIntervalSinceNow * 1_000_000)) }
            if index == trickle.count / 2 {
                daemon.kill()
                stderr += daemon.stderr
                daemon = try DaemonProcess(in: directory, configuration: Self.configuration())
            }
            try corpus.deliver(delivery, under: logs)
        }
        let stored = DaemonProcess.wait(seconds: 60) { try daemon.count("SELECT count(*) FROM event_rows") == Int64(corpus.events) }
        // What a daemon that has read everything may still raise on its own clock.
        usleep(3_000_000)
        let stopped = daemon.terminate()
        stderr += daemon.stderr
        let storedEvents = try daemon.count("SELECT count(*) FROM event_rows")
        #expect(stored, "\(storedEvents) of \(corpus.events) events stored; \(stderr)")
        #expect(stopped.status == 0, "\(stderr)")

        let fresh = directory.path("backfill.db")
        let ingest = try keywatch(["ingest", "--db", fresh, "--rules", repositoryRoot.appendingPathComponent("rules").path,
                                   logs + "/cloudtrail", logs + "/keyvault"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let backfill = try ListedAlert.all(in: fresh)
        let live = try ListedAlert.all(in: daemon.db)

        // The corpus is what it claims: every default rule fires on it but silence and first use,
        // which learns for 7 days, longer than the corpus.
        let expectedRules = try defaultRuleIDs().subtracting(["log-source-silent", "first-use-of-secret-or-key"])
        #expect(Set(backfill.map(\.rule)) == expectedRules,
                "rules the backfill raised: \(Set(backfill.map(\.rule)).sorted()); expected \(expectedRules.sorted())")

        let liveKeys = Set(live.map(\.key)), backfillKeys = Set(backfill.map(\.key))
        let missing = backfill.filter { !liveKeys.contains($0.key) }.map { "  missing: \($0)" }
        let extra = live.filter { !backfillKeys.contains($0.key) }.map { "  extra:   \($0)" }
        #expect(liveKeys == backfillKeys, "the daemon's alerts differ from ingest's:\n\((missing + extra).joined(separator: "\n"))")
        let silent = live.filter { $0.rule == "log-source-silent" }
        #expect(silent.isEmpty, "silence raised while every pipeline was sending:\n\(silent.map { "  \($0)" }.joined(separator: "\n"))")
    }
}
