import Foundation
import KeywatchStore
import KeywatchTestSupport
import Testing

/// `ingest` with detection, `alerts`, `rules check|test` and `backtest`, as a user runs them.
@Suite("Detection commands", .serialized)
struct DetectionCommandTests {
    let samples = repositoryRoot.appendingPathComponent("sample-logs").path
    let rules = repositoryRoot.appendingPathComponent("rules").path

    /// The JSON lines of `text`, parsed.
    func objects(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test("ingest prints each alert once as docs/alerts.md JSON; alerts list and show read them back with their evidence; backtest agrees")
    func ingestAlertsAndBacktest() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("k.db")
        let ingest = try keywatch(["ingest", "--db", db, "--rules", rules, "--format", "json", samples])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let alerts = objects(ingest.stdout)
        #expect(alerts.count == 20)
        #expect(ingest.stderr.contains("detection: 20 alerts raised by 28 rules"))
        let burst = alerts.first { $0["rule"] as? String == "denied-burst" }
        let keys = ["id", "key", "rule", "title", "severity", "status", "group", "count", "window", "first_seen", "last_seen",
                    "summary", "details", "events", "rule_file", "rule_sha256"]
        #expect(Set(burst?.keys.map { $0 } ?? []) == Set(keys))
        #expect((burst?["rule_sha256"] as? String)?.count == 64)
        #expect(burst?["status"] as? String == "firing")

        // Again: everything is a duplicate, nothing is raised twice.
        let again = try keywatch(["ingest", "--db", db, "--rules", rules, "--format", "json", samples])
        #expect(again.stdout.isEmpty)
        #expect(again.stderr.contains("detection: 0 alerts raised"))

        let list = try keywatch(["alerts", "list", "--db", db, "--format", "json"])
        #expect(objects(list.stdout).count == 20)
        let table = try keywatch(["alerts", "--db", db, "--rule", "denied-burst"])
        #expect(table.stdout.split(separator: "\n").count == 3)  // header and two alerts

        let id = try #require(burst?["id"] as? String)
        let show = try keywatch(["alerts", "show", id, "--db", db, "--format", "json"])
        let shown = objects(show.stdout)
        #expect(shown.first?["id"] as? String == id)
        #expect(shown.dropFirst().count == (burst?["events"] as? [String])?.count)
        #expect(Set(shown.dropFirst().compactMap { $0["key"] as? String }) == Set(burst?["events"] as? [String] ?? []))
        #expect(try keywatch(["alerts", "show", "kw-nothing", "--db", db]).status == 1)

        let backtest = try keywatch(["backtest", "--db", db, "--rules", rules, "--format", "json"])
        #expect(backtest.status == 0, "\(backtest.stderr)")
        #expect(Set(objects(backtest.stdout).compactMap { $0["key"] as? String }) == Set(alerts.compactMap { $0["key"] as? String }))
        #expect(backtest.stderr.contains("20 alerts, 20 of them also in the store"))
        let since = try keywatch(["backtest", "--db", db, "--rules", rules, "--since", "2026-11-20T09:30:00Z"])
        #expect(since.stdout.split(separator: "\n").count < 20)

        // A damaged row: its summary says why it cannot be read; the rest of the row still shows.
        let summaryLine = "summary     " + (try #require(burst?["summary"] as? String))
        #expect(try keywatch(["alerts", "show", id, "--db", db]).stdout.contains(summaryLine))
        try SQLiteConnection(path: db).execute("UPDATE alerts SET json = json_remove(json, '$.first_seen') WHERE id = '\(id)'")
        let damaged = try keywatch(["alerts", "show", id, "--db", db])
        #expect(damaged.status == 0)
        #expect(damaged.stdout.contains(#"summary     (cannot read the stored alert: the alert has no "first_seen" member)"#), "\(damaged.stdout)")
        #expect(damaged.stdout.contains("rule        denied-burst"))
    }

    @Test("rules check names file, line and key for every problem; rules test runs the default rules' tests")
    func rulesCheckAndTest() throws {
        #expect(try keywatch(["rules", "check", rules]).status == 0)
        let test = try keywatch(["rules", "test", rules])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("ok   "))
        #expect(!test.stdout.contains("FAIL"))

        let directory = TemporaryDirectory()
        try directory.write("rules/bad.yaml", """
            rules:
              - id: one
                type: threshold
                where: {outcome: denied}
                window: 10m
              - id: two
                type: match
                where: {operation|startwith: Key}
            """)
        try directory.write("rules/worse.yaml", "rules:\n  - id: three\n    type: spike\n    where: {class: crypto}\n    window: 1h\n    baseline: 10m\n")
        let check = try keywatch(["rules", "check", directory.path("rules")])
        #expect(check.status == 1)
        #expect(check.stderr.contains("bad.yaml:2: rule one: missing 'threshold'"), "\(check.stderr)")
        #expect(check.stderr.contains("bad.yaml:8: rule two: where.operation|startwith: unknown modifier 'startwith'"), "\(check.stderr)")
        #expect(check.stderr.contains("worse.yaml:6: rule three: baseline: must cover at least one window (1h)"), "\(check.stderr)")
        #expect(try keywatch(["rules", "check", directory.path("nothing")]).status == 2)

        // A failing expectation fails the run.
        try directory.write("failing/denied.yaml", """
            rules:
              - id: burst
                type: threshold
                where: {outcome: denied}
                group_by: [principal]
                window: 10m
                threshold: 5
                tests:
                  - events: events.jsonl
                    expect: [{count: 6}]
            """)
        let fixture = try String(contentsOfFile: rules + "/tests/denied-burst.jsonl", encoding: .utf8)
        try directory.write("failing/events.jsonl", fixture)
        let failing = try keywatch(["rules", "test", directory.path("failing")])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("FAIL"))
        #expect(failing.stdout.contains("alert 1: count is '5', expected '6'"))
    }
}

extension DetectionCommandTests {
    @Test("the group cap is an option; reaching it is reported on stderr")
    func groupCap() throws {
        let directory = TemporaryDirectory()
        let capped = try keywatch(["ingest", "--db", directory.path("k.db"), "--rules", rules, "--max-groups", "3", samples])
        #expect(capped.status == 0)
        #expect(capped.stderr.contains("reached the cap of 3 live groups"), "\(capped.stderr)")
        #expect(try keywatch(["ingest", "--db", directory.path("k.db"), "--max-groups", "0", samples]).status == 2)
    }
}
