import Foundation
import Testing
import KeywatchStore
import KeywatchTestSupport

/// Records and arguments crafted to break the daemon: each is refused with a reason, and the
/// daemon goes on (before, each of these stopped it with a trap, or stalled it).
@Suite("Hostile records against the daemon", .serialized)
struct HostileRecordTests {
    /// A denied Decrypt by `checkout-irsa`, as in rules/tests/denied-burst.jsonl, at `time`.
    static func deniedDecrypt(_ n: Int, time: String, userAgent: String = "aws-sdk-go-v2/1.32.4") -> String {
        """
        {"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:checkout-irsa-session",\
        "accountId":"111122223333","arn":"arn:aws:sts::111122223333:assumed-role/checkout-irsa/checkout-irsa-session",\
        "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/checkout-irsa","userName":"checkout-irsa"}}},\
        "eventTime":\(time),"eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1",\
        "sourceIPAddress":"10.0.0.1","userAgent":"\(userAgent)","requestParameters":{"keyId":"arn:aws:kms:us-east-1:111122223333:key/k1"},\
        "eventID":"00000000-0000-4000-8000-\(String(format: "%012d", n))","eventType":"AwsApiCall","recipientAccountId":"111122223333",\
        "errorCode":"AccessDenied","errorMessage":"User is not authorized to perform: kms:Decrypt"}
        """
    }

    /// A daemon with the repository's rules plus `extraRules`, listening on a port of its own.
    func withDaemon(extraRules: String = "", _ body: (String, DaemonProcess) async throws -> Void) async throws {
        let directory = TemporaryDirectory()
        let rules = directory.path("rules")
        try FileManager.default.createDirectory(atPath: rules, withIntermediateDirectories: true)
        let repositoryRules = repositoryRoot.appendingPathComponent("rules").path
        try FileManager.default.copyItem(atPath: "\(repositoryRules)/denied.yaml", toPath: "\(rules)/denied.yaml")
        try FileManager.default.copyItem(atPath: "\(repositoryRules)/tests", toPath: "\(rules)/tests")
        if !extraRules.isEmpty { try directory.write("rules/extra.yaml", extraRules) }
        let configuration = """
            db: ./k.db
            rules: ./rules
            tail:
              - path: ./logs
            http: {listen: "127.0.0.1:\(freePort())"}
            sinks:
              - stdout: {format: json}
            """
        let daemon = try DaemonProcess(in: directory, configuration: configuration)
        let port = try #require(daemon.listeningPort(), "\(daemon.stderr)")
        try await body("http://127.0.0.1:\(port)", daemon)
        #expect(daemon.terminate().status == 0, "\(daemon.stderr)")
    }

    @Test("numbers too large for 64 bits — an epoch time of 1e16, a 19-digit status — are rejected or dropped, and the daemon lives")
    func hugeNumbers() async throws {
        try await withDaemon { base, daemon in
            let hugeTime = Self.deniedDecrypt(1, time: "1e16")
            let reply = try await http("POST", "\(base)/v1/events", body: Array(hugeTime.utf8))
            #expect(reply.status == 400, "\(reply.body)")
            #expect((reply.json["errors"] as? [String]) == ["CloudTrail eventTime is not a timestamp: 1e16"], "\(reply.body)")
            #expect(reply.json["error"] as? String == "no record in the body could be stored (see errors)")
            let status = SyntheticLogs.keyVaultLine(1).replacingOccurrences(of: "\"httpStatusCode\":200", with: "\"httpStatusCode\":\"9999999999999999999\"")
            let kept = try await http("POST", "\(base)/v1/events", body: Array(status.utf8))
            #expect(kept.status == 202, "\(kept.body)")
            #expect(kept.json["accepted"] as? Int == 1)
            #expect(try daemon.count("SELECT count(*) FROM event_rows WHERE status IS NULL") == 1)
            #expect(try daemon.count("SELECT count(*) FROM rejects") == 1)
            #expect(daemon.process.isRunning)
        }
    }

    @Test("an event dated 9999-12-31 is rejected, so it cannot make its group's real events late: the burst still alerts")
    func farFutureEvent() async throws {
        try await withDaemon { base, daemon in
            let future = Self.deniedDecrypt(100, time: "\"9999-12-31T00:00:00Z\"")
            let refused = try await http("POST", "\(base)/v1/events", body: Array(future.utf8))
            #expect(refused.status == 400, "\(refused.body)")
            #expect((refused.json["errors"] as? [String])?.first?.contains("is more than a day after the wall clock") == true, "\(refused.body)")
            let burst = (1...5).map { Self.deniedDecrypt($0, time: "\"2026-11-20T09:0\($0):00Z\"") }.joined(separator: "\n")
            let accepted = try await http("POST", "\(base)/v1/events", body: Array(burst.utf8))
            #expect(accepted.json["accepted"] as? Int == 5, "\(accepted.body)")
            #expect(DaemonProcess.wait(seconds: 30) { daemon.stdout.contains("\"rule\":\"denied-burst\"") }, "\(daemon.stdout)")
            #expect(try daemon.count("SELECT count(*) FROM event_rows WHERE time > 253402214400000000") == 0)
        }
    }

    @Test("a file with a far-future record, ingested twice, stores its reject once: the reason does not change with the clock")
    func futureRejectStoredOnce() throws {
        let directory = TemporaryDirectory()
        try directory.write("future.json", Self.deniedDecrypt(300, time: "\"9999-12-31T00:00:00Z\"") + "\n")
        for _ in 0..<2 {
            let run = try keywatch(["ingest", "--db", directory.path("k.db"), "--no-detect", directory.path("future.json")], in: directory.url)
            #expect(run.status == 1, "\(run.stderr)")
        }
        let rejects = try SQLiteConnection(path: directory.path("k.db"), readOnly: true).scalar("SELECT count(*) FROM rejects") ?? -1
        #expect(rejects == 1)
    }

    @Test("a rule pattern that backtracks catastrophically in other engines costs linear time: 2,000 distinct hostile values are one quick push")
    func catastrophicPattern() async throws {
        let rule = """
            rules:
              - id: odd-agent
                title: An odd user agent
                severity: low
                type: match
                where: {user_agent|re: "(a|aa)+$"}
            """
        try await withDaemon(extraRules: rule) { base, daemon in
            // Each value makes a backtracking engine try every way of splitting its run of a's.
            let hostile = (0..<2000).map { n in
                Self.deniedDecrypt(1000 + n, time: "\"2026-11-20T10:00:00Z\"", userAgent: String(repeating: "a", count: 60) + "b\(n)")
            }.joined(separator: "\n")
            let first = try await http("POST", "\(base)/v1/events", body: Array(hostile.utf8))
            #expect(first.status == 202, "\(first.body) \(daemon.stderr)")
            #expect(first.json["accepted"] as? Int == 2000)
            let next = try await http("POST", "\(base)/v1/events", body: Array(SyntheticLogs.keyVaultLines(0..<3).utf8))
            #expect(next.json["accepted"] as? Int == 3, "the writer is not stalled: \(next.body)")
            // The pattern still means what it says: a value that ends in a's matches.
            let odd = Self.deniedDecrypt(5000, time: "\"2026-11-20T10:01:00Z\"", userAgent: "curl/8.0 aaaa")
            #expect(try await http("POST", "\(base)/v1/events", body: Array(odd.utf8)).status == 202)
            #expect(DaemonProcess.wait(seconds: 30) { daemon.stdout.contains("\"rule\":\"odd-agent\"") }, "\(daemon.stdout)")
            #expect(daemon.stdout.components(separatedBy: "\"rule\":\"odd-agent\"").count == 2, "one alert, for the one value that matches")
        }
    }

    @Test("durations past 100 years are refused with the key and the limit: retention, a rule's window, --since")
    func hugeDurations() throws {
        let directory = TemporaryDirectory()
        try directory.write("k.yaml", "db: ./k.db\nretention: 999999999w\n")
        let config = try keywatch(["run", "--config", directory.path("k.yaml")], in: directory.url)
        #expect(config.status == 2)
        #expect(config.stderr.contains("k.yaml:2: retention: '999999999w' is longer than the longest duration keywatch reads, 36500d (100 years)"),
                "\(config.stderr)")
        try FileManager.default.createDirectory(atPath: directory.path("rules"), withIntermediateDirectories: true)
        try directory.write("rules/r.yaml", """
            rules:
              - id: r
                type: threshold
                where: {outcome: denied}
                window: 999999999w
                threshold: 5
            """)
        let rules = try keywatch(["rules", "check", directory.path("rules")], in: directory.url)
        #expect(rules.status != 0)
        #expect(rules.stdout.contains("r.yaml:5: rule r: window: '999999999w' is longer than the longest duration")
                || rules.stderr.contains("r.yaml:5: rule r: window: '999999999w' is longer than the longest duration"),
                "\(rules.stdout)\(rules.stderr)")
        try directory.write("one.json", SyntheticLogs.keyVaultLines(0..<1))
        #expect(try keywatch(["ingest", "--db", directory.path("q.db"), "--no-detect", directory.path("one.json")], in: directory.url).status == 0)
        let query = try keywatch(["query", "--db", directory.path("q.db"), "--since", "999999999w"], in: directory.url)
        #expect(query.status != 0)
        #expect(query.stderr.contains("--since: '999999999w' is longer than the longest duration keywatch reads"), "\(query.stderr)")
    }
}
