import Foundation
import KeywatchTestSupport
import Testing

/// `first-use-of-secret-or-key` learns for 7 days from its first event, and that learning is
/// detection state kept in the store: a later run over the same store goes on from it, and raises
/// what one run over everything raises.
@Suite("First use after learning")
struct FirstUseLearningTests {
    let rules = repositoryRoot.appendingPathComponent("rules").path
    let fixture = repositoryRoot.appendingPathComponent("rules/tests/first-use.jsonl")

    /// The first-use alerts of one `ingest` run, as (principal, resource) pairs.
    func firstUses(_ run: Run) -> [String] {
        run.stdout.split(separator: "\n").compactMap { line in
            guard let alert = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  alert["rule"] as? String == "first-use-of-secret-or-key",
                  let details = alert["details"] as? [String: Any] else { return nil }
            return "\(details["principal"] ?? "") \(details["resource"] ?? "")"
        }
    }

    @Test("the learning week in one run, the day after in another: quiet, then the one new pair — as one run over both")
    func learningCarriesOverRuns() throws {
        let lines = try String(contentsOf: fixture, encoding: .utf8).split(separator: "\n")
        // Records of the learning week (up to day 6) and of day 8, by the time the record names.
        let week = lines.filter { $0.contains("\"2026-11-1") && !$0.contains("\"2026-11-18T") }
        let after = lines.filter { $0.contains("\"2026-11-18T") }
        #expect(week.count + after.count == lines.count && !week.isEmpty && !after.isEmpty)

        let directory = TemporaryDirectory()
        let first = try directory.write("week.json", week.joined(separator: "\n") + "\n")
        let second = try directory.write("after.json", after.joined(separator: "\n") + "\n")
        let learning = try keywatch(["ingest", "--db", directory.path("k.db"), "--rules", rules, "--format", "json", first])
        #expect(learning.status == 0, "\(learning.stderr)")
        #expect(firstUses(learning).isEmpty, "\(learning.stdout)")

        let later = try keywatch(["ingest", "--db", directory.path("k.db"), "--rules", rules, "--format", "json", second])
        #expect(later.status == 0, "\(later.stderr)")
        let expected = ["arn:aws:iam::111122223333:role/checkout-irsa arn:aws:kms:us-east-1:111122223333:key/6513270e-269e-4d37-b2a7-4de452e6b438"]
        #expect(firstUses(later) == expected, "\(later.stdout)")

        let once = try keywatch(["ingest", "--db", directory.path("once.db"), "--rules", rules, "--format", "json", fixture.path])
        #expect(firstUses(once) == expected, "\(once.stdout)")

        // Day 8 alone, on a store that never saw the week, is itself a first day of learning.
        let alone = try keywatch(["ingest", "--db", directory.path("alone.db"), "--rules", rules, "--format", "json", second])
        #expect(firstUses(alone).isEmpty, "\(alone.stdout)")
    }
}
