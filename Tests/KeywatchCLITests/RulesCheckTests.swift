import Foundation
import Testing
import KeywatchTestSupport

/// `rules check` as strict as the fields' values: a rule that could never match is an error,
/// the same wherever rules are read (`rules check`, `ingest`, `run`).
@Suite("Rules check strictness", .serialized)
struct RulesCheckTests {
    static let badRules = """
        rules:
          - id: denied-typo
            type: threshold
            where:
              outcome: denyed
              class: cryptography
            window: 10 minutes
            threshold: 5
          - id: fine
            type: match
            where: {outcome|startswith: den, class: [crypto, read]}
        """

    static let expected = """
        bad.yaml:5: rule denied-typo: where.outcome: unknown outcome 'denyed' (expected one of: success, denied, failed, challenge)
        bad.yaml:6: rule denied-typo: where.class: unknown class 'cryptography' (expected one of: crypto, read, list, write, destroy, permission, config, auth, service, other)
        bad.yaml:7: rule denied-typo: window: expected a duration such as 90s, 10m, 1h or 7d
        """

    @Test("rules check --rules DIR: every problem of every rule, named by the rule's id, status 1")
    func everyProblemByRuleID() throws {
        let directory = TemporaryDirectory()
        try directory.write("rules/bad.yaml", Self.badRules)
        let check = try keywatch(["rules", "check", "--rules", "rules"], in: directory.url)
        #expect(check.status == 1)
        #expect(check.stderr == Self.expected.split(separator: "\n").map { "rules/\($0)\n" }.joined(), "\(check.stderr)")
        let positional = try keywatch(["rules", "check", "rules"], in: directory.url)
        #expect(positional.status == 1 && positional.stderr == check.stderr, "the positional form stays")
        let test = try keywatch(["rules", "test", "--rules", "rules"], in: directory.url)
        #expect(test.status == 1 && test.stderr == check.stderr, "\(test.stderr)")
        let both = try keywatch(["rules", "check", "--rules", "rules", "other"], in: directory.url)
        #expect(both.status != 0 && both.stderr.contains("give the rules directory once"), "\(both.stderr)")
    }

    @Test("the default rules pass check and test through --rules")
    func defaultRulesPass() throws {
        let rules = repositoryRoot.appendingPathComponent("rules").path
        let check = try keywatch(["rules", "check", "--rules", rules])
        #expect(check.status == 0 && check.stderr.contains(": valid"), "\(check.stderr)")
        let test = try keywatch(["rules", "test", "--rules", rules])
        #expect(test.status == 0 && !test.stdout.contains("FAIL"), "\(test.stdout)\(test.stderr)")
        // The profile rules' tests run against the profiles of the directory's identities.yaml.
        #expect(test.stdout.contains("ok   \(rules)/profiles.yaml:30: workload-outside-profile (4 alerts)"), "\(test.stdout)")
        #expect(test.stdout.contains("ok   \(rules)/profiles.yaml:58: human-data-plane-access (2 alerts)"), "\(test.stdout)")
    }

    @Test("ingest and run refuse the same rules with the same messages, status 2")
    func ingestAndRunRefuseThem() throws {
        let directory = TemporaryDirectory()
        try directory.write("rules/bad.yaml", Self.badRules)
        try FileManager.default.createDirectory(atPath: directory.path("logs"), withIntermediateDirectories: true)
        let ingest = try keywatch(["ingest", "--db", "k.db", "--rules", "rules", "logs"], in: directory.url)
        #expect(ingest.status == 2)
        try directory.write("keywatch.yaml", "db: ./k.db\nrules: rules\ntail:\n  - path: ./logs\n")
        let run = try keywatch(["run", "--config", "keywatch.yaml", "--skip-check"], in: directory.url)
        #expect(run.status == 2)
        for line in Self.expected.split(separator: "\n") {
            #expect(ingest.stderr.contains("keywatch ingest: rules/\(line)"), "\(ingest.stderr)")
            #expect(run.stderr.contains("keywatch run: rules/\(line)"), "\(run.stderr)")
        }
    }
}
