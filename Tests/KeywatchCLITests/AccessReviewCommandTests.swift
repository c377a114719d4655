import Foundation
import Testing
import KeywatchTestSupport

/// `keywatch access-review` on a store of the sample logs: its counts checked against the store
/// counted another way (GROUP BY over the `events` view, through `query --sql`), and each format.
@Suite("keywatch access-review", .serialized)
struct AccessReviewCommandTests {
    let store = try! StatsCommandTests.SampleStore()

    func review(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let run = try keywatch(["access-review", "--db", store.db, "--since", "2026-11-01"] + arguments)
        return (run.status, run.stdout, run.stderr)
    }

    @Test("--format json: every caller's successful calls per operation and resource are the store's own counts")
    func countsMatchTheStore() throws {
        let run = try review(["--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let review = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let callers = try #require(review["callers"] as? [[String: Any]])
        var listed: [String: Int] = [:]
        for caller in callers {
            for use in try #require(caller["operations"] as? [[String: Any]]) {
                let key = "\(caller["principal"] as? String ?? "-") \(caller["namespace"] as? String ?? "-") \(use["operation"] as? String ?? "-") \(use["resource"] as? String ?? "-")"
                // The span is read in two halves: a use in both is one row, not two.
                #expect(listed[key] == nil, "\(key) listed twice")
                listed[key, default: 0] += use["count"] as? Int ?? 0
            }
        }
        var counted: [String: Int] = [:]
        for row in try store.select("""
            SELECT principal || ' ' || coalesce(namespace, '-') || ' ' || operation || ' ' || coalesce(resource, '-') AS k, count(*) AS n FROM events
            WHERE outcome = 'success' AND principal IS NOT NULL AND class NOT IN ('service', 'auth') GROUP BY k
            """) {
            counted[row["k"] as! String] = row["n"] as? Int
        }
        #expect(listed == counted)
        #expect(review["unused_resources"] is [Any])
    }

    @Test("--namespace and --principal review only those callers")
    func onlyThoseCallers() throws {
        let byNamespace = try review(["--format", "json", "--namespace", "payments"])
        let callers = try #require((try JSONSerialization.jsonObject(with: Data(byNamespace.stdout.utf8)) as? [String: Any])?["callers"] as? [[String: Any]])
        #expect(!callers.isEmpty && callers.allSatisfy { $0["namespace"] as? String == "payments" })
        let byName = try review(["--format", "json", "--principal", "payments-irsa"])
        let named = try #require((try JSONSerialization.jsonObject(with: Data(byName.stdout.utf8)) as? [String: Any])?["callers"] as? [[String: Any]])
        #expect(named.map { $0["principal"] as? String } == ["arn:aws:iam::111122223333:role/payments-irsa"])
        let policy = try #require(named.first?["kms_policy"] as? [String: Any])
        #expect(policy["Version"] as? String == "2012-10-17")
    }

    @Test("the table: a section per caller with bars, the suggested grant ready to paste, findings; csv one line per use")
    func tableAndCSV() throws {
        let table = try review([])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("SUGGESTED GRANT") && table.stdout.contains("az role assignment create --assignee-object-id"))
        #expect(table.stdout.contains("█") && table.stdout.contains("FINDINGS"))
        #expect(table.stdout.contains(#""Action": ["kms:"#), "the IAM policy, indented")
        let csv = try review(["--format", "csv"])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "principal,principal_name,namespace,service_account,outcome,operation,resource,object_name,count,first_seen,last_seen")
        #expect(lines.count > 10)
        let none = try review(["--principal", "nobody-at-all"])
        #expect(none.status == 0 && none.stdout.isEmpty && none.stderr.contains("no calls"))
    }
}
