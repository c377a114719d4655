import Foundation
import KeywatchTestSupport
import Testing

/// Panther's ten KMS test logs (Tests/Fixtures/external-samples/panther-analysis), each ingested
/// alone by the real binary with the default rules of `rules/`: keywatch alerts where Panther's
/// test expects its rule to fire — with the rule of the same idea — and stays quiet where Panther's
/// does, or the case says why it disagrees.
@Suite("Panther's KMS verdicts")
struct PantherVerdictTests {
    /// One test log: the alerts keywatch must raise for it, by rule id and severity.
    struct Verdict: CustomTestStringConvertible, Sendable {
        var line: Int
        /// Panther's `ExpectedResult`, as the manifest has it.
        var pantherAlerts: Bool
        var alerts: [String: String]
        /// Why keywatch's verdict differs from Panther's, when it does.
        var disagreement: String? = nil

        var testDescription: String { "line \(line)" }
    }

    static let verdicts: [Verdict] = [
        Verdict(line: 1, pantherAlerts: false, alerts: [:]),  // a Decrypt (aws_cloudtrail_created)
        Verdict(line: 2, pantherAlerts: false, alerts: [:]),  // a Decrypt from a service hostname (aws_imds_credential_exfiltration)
        Verdict(line: 3, pantherAlerts: true, alerts: ["kms-key-destruction": "high"]),  // DisableKey (aws_kms_cmk_loss)
        Verdict(line: 4, pantherAlerts: true, alerts: ["kms-key-destruction": "high"]),  // ScheduleKeyDeletion
        Verdict(line: 5, pantherAlerts: false, alerts: [:]),  // a Decrypt
        Verdict(line: 6, pantherAlerts: true, alerts: ["kms-key-destruction": "high"]),  // ScheduleKeyDeletion, `resources: null`
        Verdict(line: 7, pantherAlerts: false, alerts: [:]),  // DisableKey failing with NotFoundException
        Verdict(line: 8, pantherAlerts: true, alerts: ["kms-key-policy-public": "critical"]),  // policy opened to "*"
        Verdict(line: 9, pantherAlerts: false, alerts: ["kms-key-policy-change": "low"],
                disagreement: "Panther's rule asks only whether the policy made the key public; keywatch also records every "
                    + "successful policy change, as a low alert, so a reviewer sees who changed what"),
        Verdict(line: 10, pantherAlerts: false, alerts: [:]),  // a read-only Decrypt in an unused region (aws_unused_region)
    ]

    static let samples = repositoryRoot.appendingPathComponent("Tests/Fixtures/external-samples/panther-analysis")

    @Test("the table holds every test log and Panther's verdict as the manifest records it")
    func tableMatchesTheManifest() throws {
        let manifest = try String(contentsOf: Self.samples.appendingPathComponent("kms-test-logs.manifest.tsv"), encoding: .utf8)
        let rows = manifest.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(rows.map { Int($0[0]) } == Self.verdicts.map(\.line))
        for (row, verdict) in zip(rows, Self.verdicts) {
            #expect((row[3] == "True") == verdict.pantherAlerts, "line \(verdict.line)")
            // Where keywatch and Panther disagree, the case says why.
            #expect((verdict.pantherAlerts == !verdict.alerts.isEmpty) || verdict.disagreement != nil, "line \(verdict.line)")
        }
    }

    @Test("each test log alone raises the alerts of keywatch's rule for the same idea, or none", arguments: verdicts)
    func verdict(_ verdict: Verdict) throws {
        try check(verdict)
    }

    private func check(_ verdict: Verdict) throws {
        let logs = try String(contentsOf: Self.samples.appendingPathComponent("kms-test-logs.jsonl"), encoding: .utf8)
        let line = logs.split(separator: "\n")[verdict.line - 1]
        let directory = TemporaryDirectory()
        let log = try directory.write("line-\(verdict.line).json", String(line) + "\n")
        let run = try keywatch(["ingest", "--db", directory.path("k.db"), "--rules", repositoryRoot.appendingPathComponent("rules").path,
                                "--format", "json", log])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("1 events stored"), "\(run.stderr)")
        let raised = run.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let alert = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let rule = alert["rule"] as? String, let severity = alert["severity"] as? String else { return nil }
            return (rule, severity)
        }
        #expect(Dictionary(raised, uniquingKeysWith: { first, _ in first }) == verdict.alerts, "\(run.stdout)")
        #expect(raised.count == verdict.alerts.count, "\(run.stdout)")
    }
}
