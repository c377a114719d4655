import Foundation
import Testing
import KeywatchTestSupport

/// `keywatch stats` against a store of the sample logs, its numbers checked against the store
/// counted another way: GROUP BY over the `events` view, through `query --sql`.
@Suite("keywatch stats", .serialized)
struct StatsCommandTests {
    /// A store of sample-logs/.
    struct SampleStore {
        let directory = TemporaryDirectory()
        var db: String { directory.path("k.db") }

        init() throws {
            let ingest = try keywatch(["ingest", "--no-detect", "--db", directory.path("k.db"),
                                       repositoryRoot.appendingPathComponent("sample-logs").path])
            #expect(ingest.status == 0, "\(ingest.stderr)")
        }

        /// `stats --format json` with `arguments`, parsed.
        func stats(_ arguments: [String] = []) throws -> [String: Any] {
            let run = try keywatch(["stats", "--db", db, "--format", "json"] + arguments)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.split(separator: "\n").count == 1, "one object on one line: \(run.stdout)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        }

        /// The rows of `sql` over the store, as JSON objects.
        func select(_ sql: String) throws -> [[String: Any]] {
            let run = try keywatch(["query", "--db", db, "--format", "json", "--sql", sql])
            #expect(run.status == 0, "\(run.stderr)")
            return try run.stdout.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }

        /// `column → count(*)` over the events view.
        func counts(by column: String, where condition: String = "1") throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for row in try select("SELECT \(column) AS v, count(*) AS n FROM events WHERE \(condition) GROUP BY \(column)") {
                counts[row["v"] as? String ?? "null"] = row["n"] as? Int
            }
            return counts
        }
    }

    @Test("--format json on the sample logs: totals, every source, outcome, class and hour as GROUP BY over the events view counts them; every key present, 0 when unseen")
    func countsMatchTheStore() throws {
        let store = try SampleStore()
        let stats = try store.stats()
        #expect(stats["total"] as? Int == 111)
        #expect(stats["denied"] as? Int == 15)
        #expect(stats["since"] is NSNull && stats["until"] is NSNull)
        for (key, column) in [("by_source", "source"), ("by_outcome", "outcome"), ("by_class", "class")] {
            let section = try #require(stats[key] as? [String: Int], "\(key)")
            let expected = try store.counts(by: column)
            #expect(section.filter { $0.value > 0 } == expected, "\(key)")
        }
        // Keys stable: a class and a source no sample event has are there, with 0.
        #expect((stats["by_class"] as? [String: Int])?["write"] == 0)
        #expect((stats["by_source"] as? [String: Int])?["aws.eks-auth"] == 0)
        let hours = try #require(stats["by_hour"] as? [[String: Any]])
        let expectedHours = try store.counts(by: "substr(time, 1, 13) || ':00:00Z'")
        #expect(Dictionary(uniqueKeysWithValues: hours.map { ($0["hour"] as? String ?? "", $0["count"] as? Int ?? -1) }) == expectedHours)
        #expect(hours.map { $0["hour"] as? String ?? "" } == expectedHours.keys.sorted(), "oldest first")
    }

    @Test("--format json ranks principals (with their names), denied resources (with object names) and denial reasons (with error codes) as the store counts them")
    func rankingsMatchTheStore() throws {
        let store = try SampleStore()
        let stats = try store.stats(["--top", "4"])
        let principals = try #require(stats["top_principals"] as? [[String: Any]])
        let all = try store.select("""
            SELECT principal, max(principal_name) AS name, count(*) AS n FROM events WHERE principal IS NOT NULL
            GROUP BY principal ORDER BY n DESC
            """)
        #expect(principals.count == 4)
        #expect(principals.map { $0["count"] as? Int } == all.prefix(4).map { $0["n"] as? Int }, "the 4 largest, most first")
        for entry in principals {
            let row = try #require(all.first { $0["principal"] as? String == entry["principal"] as? String }, "\(entry)")
            #expect(entry["count"] as? Int == row["n"] as? Int)
            #expect((entry["principal_name"] as? String) == (row["name"] as? String), "\(entry)")
        }
        #expect(principals.first?["principal_name"] as? String == "payments-irsa")

        let resources = try #require(stats["top_denied_resources"] as? [[String: Any]])
        let denied = try store.counts(by: "resource", where: "outcome = 'denied'")
        #expect(resources.map { $0["count"] as? Int ?? -1 } == Array(denied.values.sorted(by: >).prefix(4)))
        for entry in resources {
            #expect(denied[entry["resource"] as? String ?? ""] == entry["count"] as? Int, "\(entry)")
        }
        #expect(resources.first?["object_name"] as? String == "db-password")

        let reasons = try #require(stats["top_denial_reasons"] as? [[String: Any]])
        let byReason = try store.counts(by: "reason || '/' || coalesce(error_code, '-')", where: "outcome = 'denied'")
        for entry in reasons {
            let key = "\(entry["reason"] as? String ?? "")/\(entry["error_code"] as? String ?? "-")"
            #expect(byReason[key] == entry["count"] as? Int, "\(key)")
        }
        #expect(reasons.first.map { "\($0["reason"] ?? "")" } == "rbac")
        #expect(reasons.contains { $0["reason"] as? String == "identity-policy" && $0["error_code"] as? String == "AccessDenied" && $0["count"] as? Int == 5 })
    }

    @Test("--since and --until are event times: 09:00 parts the sample day's 3 events of 08:00 from its 108 of 09:00; 1h before now holds none")
    func timeBounds() throws {
        let store = try SampleStore()
        let after = try store.stats(["--since", "2026-11-20T09:00:00Z"])
        #expect(after["total"] as? Int == 108)
        #expect(after["since"] as? String == "2026-11-20T09:00:00.000000Z")
        #expect((after["by_hour"] as? [[String: Any]])?.count == 1)
        let before = try store.stats(["--until", "2026-11-20T09:00:00Z"])
        #expect(before["total"] as? Int == 3)
        let none = try store.stats(["--since", "1h"])
        #expect(none["total"] as? Int == 0)
        #expect((none["top_principals"] as? [Any])?.isEmpty == true)
        let table = try keywatch(["stats", "--db", store.db, "--since", "1h"])
        #expect(table.status == 0)
        #expect(table.stdout.isEmpty)
        #expect(table.stderr.contains("no events in that time"))
        let bad = try keywatch(["stats", "--db", store.db, "--since", "yesterday"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--since 'yesterday' is not a time"), "\(bad.stderr)")
    }

    @Test("the table: a titled section per count, each row a bar scaled to the section's largest count, the count and its share; names where known; plain text when piped")
    func table() throws {
        let store = try SampleStore()
        let run = try keywatch(["stats", "--db", store.db])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for title in ["EVENTS BY SOURCE (111 events)", "BY OUTCOME", "BY CLASS", "BY HOUR (event time, UTC)", "TOP PRINCIPALS",
                      "TOP DENIED RESOURCES (15 denied events)", "TOP DENIAL REASONS (reason, error code)"] {
            #expect(lines.contains(title), "\(title): \(run.stdout)")
        }
        func row(_ label: String) -> String? { lines.first { $0.hasPrefix("  \(label) ") } }
        // The largest row of a section has the full bar; another is scaled to it.
        let keyVault = try #require(row("azure.keyvault"))
        #expect(keyVault.contains(String(repeating: "█", count: 30)) && keyVault.hasSuffix("66   59.5%"), "\(keyVault)")
        let kms = try #require(row("aws.kms"))
        #expect(kms.contains(String(repeating: "█", count: 19) + "▌ ") && kms.hasSuffix("43   38.7%"), "\(kms)")
        // A principal by its name, as the query table shows it; a denied resource by its object name.
        let payments = try #require(row("payments-irsa"))
        #expect(payments.contains("█") && payments.hasSuffix("29   26.1%"), "\(payments)")
        #expect(row("db-password")?.hasSuffix("6   40.0%") == true, "shares of the denied events")
        #expect(row("identity-policy (AccessDenied)") != nil)
        #expect(!run.stdoutBytes.contains(0x1B), "no escape sequences: bars are text")
        let top = try keywatch(["stats", "--db", store.db, "--top", "1"])
        let afterPrincipals = top.stdout.components(separatedBy: "TOP PRINCIPALS\n").last ?? ""
        #expect(afterPrincipals.hasPrefix("  payments-irsa ") && afterPrincipals.components(separatedBy: "\n").dropFirst().first == "", "\(top.stdout)")
    }

    @Test("a hostile principal name is escaped in the table, and stays valid JSON")
    func hostileNames() throws {
        let directory = TemporaryDirectory()
        let record = SyntheticLogs.keyVaultLine(1).replacingOccurrences(
            of: #""idtyp":"app""#, with: #""upn":"evil\u001b]0;pwned\u0007\u202e@example.com""#)
        let file = try directory.write("hostile.json", record + "\n")
        let db = directory.path("k.db")
        #expect(try keywatch(["ingest", "--no-detect", "--db", db, file]).status == 0)
        let table = try keywatch(["stats", "--db", db])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains(#"  evil\x1b]0;pwned\x07\u{202e}@example.com "#), "\(table.stdout)")
        #expect(!table.stdoutBytes.contains(0x1B) && !table.stdoutBytes.contains(0x07))
        let json = try keywatch(["stats", "--db", db, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let principals = try #require(object["top_principals"] as? [[String: Any]])
        #expect(principals.first?["principal_name"] as? String == "evil\u{1b}]0;pwned\u{07}\u{202e}@example.com")
    }

    @Test("the table shows the newest 48 hours and says so; json has every hour")
    func manyHours() throws {
        let directory = TemporaryDirectory()
        let lines = (0..<50).map { n -> String in
            let time = String(format: "2026-11-%02dT%02d:30:00.0000000Z", 18 + n / 24, n % 24)
            return SyntheticLogs.keyVaultLine(n).replacing(#/"time":"[^"]*"/#, with: "\"time\":\"\(time)\"")
        }
        let file = try directory.write("hours.json", lines.joined(separator: "\n") + "\n")
        let db = directory.path("k.db")
        #expect(try keywatch(["ingest", "--no-detect", "--db", db, file]).status == 0)
        let table = try keywatch(["stats", "--db", db])
        #expect(table.stdout.contains("BY HOUR (event time, UTC — the newest 48 of 50 hours with events; narrow with --since, or --format json for all)"),
                "\(table.stdout)")
        #expect(!table.stdout.contains("2026-11-18T01:00:00Z") && table.stdout.contains("  2026-11-18T02:00:00Z "))
        #expect(table.stdout.contains("  2026-11-20T01:00:00Z "))
        let json = try keywatch(["stats", "--db", db, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let hours = try #require(object["by_hour"] as? [[String: Any]])
        #expect(hours.count == 50)
        #expect(hours.first?["hour"] as? String == "2026-11-18T00:00:00Z")
    }

    @Test("a missing store is named, with what to do; --top below 1 is refused")
    func usage() throws {
        let directory = TemporaryDirectory()
        let missing = try keywatch(["stats", "--db", directory.path("none.db")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("keywatch stats: no store at \(directory.path("none.db"))"), "\(missing.stderr)")
        let zero = try keywatch(["stats", "--db", directory.path("none.db"), "--top", "0"])
        #expect(zero.status == 2)
        #expect(zero.stderr.contains("--top must be at least 1"), "\(zero.stderr)")
    }
}
