import Foundation
import Testing
import KeywatchTestSupport

/// `query` and `alerts` as an investigator meets them (issue 34): every listed format honoured,
/// filters that match what tables show, columns, tables fitted to a terminal but never cut when
/// piped, severity colour on a terminal only, alerts by when they were raised.
@Suite("Investigation output", .serialized)
struct InvestigationOutputTests {
    /// A store ingested from sample-logs, with detection (alerts).
    struct SampleStore {
        let directory = TemporaryDirectory()
        var db: String { directory.path("k.db") }

        init(_ subdirectory: String = "") throws {
            let ingest = try keywatch(["ingest", "--db", directory.path("k.db"),
                                       repositoryRoot.appendingPathComponent("sample-logs/" + subdirectory).path])
            #expect(ingest.status == 0, "\(ingest.stderr)")
        }
    }

    /// `cmd` run under `script`, so that its standard output is a terminal of `columns` columns.
    static func onTerminal(_ arguments: [String], columns: Int = 80, environment: [String: String] = [:]) throws -> String {
        let quoted = ([keywatchBinary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "stty cols \(columns); " + quoted.joined(separator: " "), "/dev/null"]
        var variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if environment["NO_COLOR"] == nil { variables["NO_COLOR"] = nil }
        process.environment = variables
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
    }

    @Test("alerts list and show --format csv print CSV: a header and a row per alert; show adds its events' CSV after an empty line")
    func alertsCSV() throws {
        let store = try SampleStore()
        let json = try keywatch(["alerts", "list", "--db", store.db, "--format", "json"])
        let alerts = json.stdout.split(separator: "\n")
        #expect(!alerts.isEmpty)
        let csv = try keywatch(["alerts", "list", "--db", store.db, "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(!csv.stdout.hasPrefix("{"), "JSON, not CSV: \(csv.stdout.prefix(200))")
        let records = parseCSV(csv.stdoutBytes)
        #expect(records.first == ["id", "rule", "severity", "status", "first_seen", "last_seen", "raised", "count", "summary", "key"])
        #expect(records.count == alerts.count + 1)
        #expect(records.dropFirst().allSatisfy { $0.count == 10 })
        let id = try #require(records.dropFirst().first?.first)

        let show = try keywatch(["alerts", "show", id, "--db", store.db, "--format", "csv"])
        #expect(show.status == 0, "\(show.stderr)")
        let parts = show.stdout.components(separatedBy: "\n\n")
        #expect(parts.count == 2, "\(show.stdout)")
        guard parts.count == 2 else { return }
        let alert = parseCSV(Array((parts[0] + "\n").utf8))
        #expect(alert.count == 2 && alert[1].first == id)
        let events = parseCSV(Array(parts[1].utf8))
        #expect(events.first?.first == "key" && events.first?.contains("principal_name") == true)
        #expect(events.count >= 2, "the alert's evidence events")
    }

    @Test("query --raw: json is one object per line, the record embedded compactly; csv --raw has one line per event")
    func rawOnOneLine() throws {
        let store = try SampleStore()
        let json = try keywatch(["query", "--db", store.db, "--format", "json", "--raw", "--limit", "0"])
        #expect(json.status == 0, "\(json.stderr)")
        let lines = json.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 111, "one line per event (pretty-printed records used to spread over many)")
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["raw"] is [String: Any], "not a JSON object with its record: \(line.prefix(120))")
        }
        let csv = try keywatch(["query", "--db", store.db, "--format", "csv", "--raw", "--limit", "0"])
        #expect(csv.stdoutBytes.filter { $0 == 0x0A }.count == 112, "a header and one line per event")
        let rows = parseCSV(csv.stdoutBytes)
        let raw = try #require(rows.first?.firstIndex(of: "raw"))
        #expect(rows.dropFirst().allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0[raw].utf8))) != nil })
    }

    @Test("--principal matches principal_name and --resource object_name, as the table shows them; wildcards too")
    func filtersMatchNames() throws {
        let store = try SampleStore()
        func count(_ arguments: [String]) throws -> Int {
            let run = try keywatch(["query", "--db", store.db, "--format", "json", "--limit", "0"] + arguments)
            #expect(run.status == 0, "\(run.stderr)")
            return run.stdout.split(separator: "\n").count
        }
        #expect(try count(["--principal", "checkout-irsa"]) == 5)
        #expect(try count(["--principal", "arn:aws:iam::111122223333:role/checkout-irsa"]) == 5)
        #expect(try count(["--principal", "analyst@contoso.example"]) == 26)
        #expect(try count(["--principal", "checkout-*"]) == 5)
        #expect(try count(["--resource", "db-password"]) == 16)
        #expect(try count(["--resource", "tenant-0*"]) == 9)
        #expect(try count(["--principal", "nobody-at-all"]) == 0)
    }

    @Test("--columns picks fields for table and csv, and an unknown name lists the valid ones; REASON shows for denials")
    func columnsAndReason() throws {
        let store = try SampleStore()
        let csv = try keywatch(["query", "--db", store.db, "--format", "csv", "--outcome", "denied", "--columns", "time,principal_name,reason"])
        let rows = parseCSV(csv.stdoutBytes)
        #expect(rows.first == ["time", "principal_name", "reason"])
        #expect(rows.dropFirst().contains(["2026-11-20T09:06:05.000000Z", "checkout-irsa", "identity-policy"]))
        let table = try keywatch(["query", "--db", store.db, "--columns", "operation,error_code", "--outcome", "failed"])
        #expect(table.stdout.hasPrefix("OPERATION"), "\(table.stdout)")
        #expect(table.stdout.contains("KMSInvalidStateException"))
        let bad = try keywatch(["query", "--db", store.db, "--columns", "time,reasn"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("'reasn' is not a field") && bad.stderr.contains("principal_name"), "\(bad.stderr)")

        let denied = try keywatch(["query", "--db", store.db, "--outcome", "denied", "--outcome", "failed"])
        #expect(denied.stdout.split(separator: "\n").first?.contains("REASON") == true)
        #expect(denied.stdout.contains("rbac") && denied.stdout.contains("KMSInvalidStateException"))
        let successes = try keywatch(["query", "--db", store.db, "--outcome", "success"])
        #expect(successes.stdout.split(separator: "\n").first?.contains("REASON") == false, "a column of dashes")
    }

    @Test("on a terminal tables fit its width (cut with …) and severity is coloured; piped nothing is cut and nothing coloured; NO_COLOR turns colour off")
    func terminalWidthAndColour() throws {
        let store = try SampleStore()
        let query = try Self.onTerminal(["query", "--db", store.db, "--limit", "0"])
        let queryLines = query.split(separator: "\n")
        #expect(queryLines.count > 100)
        #expect(queryLines.allSatisfy { $0.count <= 80 }, "\(queryLines.map(\.count).max() ?? 0) columns")
        #expect(query.contains("…"))

        let alerts = try Self.onTerminal(["alerts", "list", "--db", store.db], columns: 100)
        #expect(alerts.contains("\u{1B}[31mhigh\u{1B}[0m"), "\(alerts)")
        let visible = alerts.replacingOccurrences(of: #"\u{1B}\[[0-9;]*m"#, with: "", options: .regularExpression)
        #expect(visible.split(separator: "\n").allSatisfy { $0.count <= 100 })
        let noColour = try Self.onTerminal(["alerts", "list", "--db", store.db], columns: 100, environment: ["NO_COLOR": "1"])
        #expect(!noColour.contains("\u{1B}") && noColour.contains("high"))

        // Piped: the longest summary whole, no escapes.
        let json = try keywatch(["alerts", "list", "--db", store.db, "--format", "json"])
        let summaries = json.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["summary"] as? String
        }
        let longest = try #require(summaries.max { $0.count < $1.count })
        #expect(longest.count > 60)
        let piped = try keywatch(["alerts", "list", "--db", store.db])
        #expect(piped.stdout.contains(longest), "the summary was cut when piped")
        #expect(!piped.stdout.contains("\u{1B}") && !piped.stdout.contains("…"))
        let pipedQuery = try keywatch(["query", "--db", store.db, "--limit", "0"])
        #expect(pipedQuery.stdout.contains("https://kv-payments-prod.vault.azure.net/"), "a resource cut when piped")
    }

    @Test("wide characters (CJK, emoji) count two columns: a table of them still fits the terminal")
    func wideCharactersFit() throws {
        let directory = TemporaryDirectory()
        let wide = String(repeating: "界", count: 40) + String(repeating: "😀", count: 10)
        let record = #"{"time":"2026-11-20T09:00:00Z","category":"AuditEvent","operationName":"SecretGet","resultSignature":"OK","identity":{"claim":{"oid":"o","upn":"WIDE"}},"properties":{"httpStatusCode":200,"id":"https://kv.vault.azure.net/secrets/WIDE"}}"#
            .replacingOccurrences(of: "WIDE", with: wide)
        let file = try directory.write("wide.json", record + "\n")
        #expect(try keywatch(["ingest", "--no-detect", "--db", directory.path("k.db"), file]).status == 0)
        let table = try Self.onTerminal(["query", "--db", directory.path("k.db")], columns: 80)
        let lines = table.split(separator: "\n")
        #expect(lines.count == 2 && table.contains("界") && table.contains("…"), "\(table)")
        // Columns as a terminal counts them: 界 and 😀 take two.
        let columns = lines.map { $0.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 && $1 != "…" ? 2 : 1) } }
        #expect(columns.allSatisfy { $0 <= 80 }, "\(columns)")
    }

    @Test("alerts list --raised-since filters by when keywatch raised the alert, --since by the events' time")
    func raisedSince() throws {
        let store = try SampleStore()
        let all = try keywatch(["alerts", "list", "--db", store.db, "--format", "json", "--limit", "0"]).stdout.split(separator: "\n")
        #expect(!all.isEmpty)
        // The sample events are weeks old; their alerts were raised by the ingest just now.
        let raised = try keywatch(["alerts", "list", "--db", store.db, "--format", "json", "--limit", "0", "--raised-since", "1h"])
        #expect(raised.stdout.split(separator: "\n").count == all.count, "\(raised.stderr)")
        let seen = try keywatch(["alerts", "list", "--db", store.db, "--format", "json", "--limit", "0", "--since", "1h"])
        #expect(seen.stdout.isEmpty)
        let later = try keywatch(["alerts", "list", "--db", store.db, "--format", "json", "--raised-since", "2099-01-01T00:00:00Z"])
        #expect(later.status == 0 && later.stdout.isEmpty)
    }

    /// A `keywatch … --follow` running beside the test, its standard output collected as it comes.
    final class Follower: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var bytes: [UInt8] = []

        init(_ arguments: [String]) throws {
            process.executableURL = keywatchBinary
            process.arguments = arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            out.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self else { return }
                self.lock.withLock { self.bytes += data }
            }
            try process.run()
        }

        var lines: [String] {
            lock.withLock { String(decoding: bytes, as: UTF8.self) }.split(separator: "\n").map(String.init)
        }

        /// Waits (at most a minute) until at least `count` lines came.
        func wait(forLines count: Int) -> Bool {
            DaemonProcess.wait(seconds: 60) { self.lines.count >= count }
        }

        /// SIGTERM, then its exit status.
        func stop() -> Int32 {
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    @Test("query --follow prints the matching events, then each event stored after, once, until SIGTERM")
    func followEvents() throws {
        let store = try SampleStore("cloudtrail")
        let before = try keywatch(["query", "--db", store.db, "--format", "json", "--limit", "0"]).stdout.split(separator: "\n").count
        let follower = try Follower(["query", "--db", store.db, "--format", "json", "--follow", "--limit", "0"])
        #expect(follower.wait(forLines: before))
        let more = try keywatch(["ingest", "--db", store.db, repositoryRoot.appendingPathComponent("sample-logs/keyvault").path])
        #expect(more.status == 0, "\(more.stderr)")
        let after = try keywatch(["query", "--db", store.db, "--format", "json", "--limit", "0"]).stdout.split(separator: "\n").count
        #expect(after > before)
        #expect(follower.wait(forLines: after), "\(follower.lines.count) of \(after) lines")
        #expect(follower.stop() == 0)
        let keys = follower.lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["key"] as? String }
        #expect(keys.count == after && Set(keys).count == after, "each event printed once")
    }

    @Test("alerts list --follow prints the alerts, then each alert raised after, once, until SIGTERM")
    func followAlerts() throws {
        let store = try SampleStore("cloudtrail")
        let before = try keywatch(["alerts", "list", "--db", store.db, "--format", "json", "--limit", "0"]).stdout.split(separator: "\n").count
        let follower = try Follower(["alerts", "list", "--db", store.db, "--format", "csv", "--follow", "--limit", "0"])
        #expect(follower.wait(forLines: before + 1))
        #expect(try keywatch(["ingest", "--db", store.db, repositoryRoot.appendingPathComponent("sample-logs/keyvault").path]).status == 0)
        let after = try keywatch(["alerts", "list", "--db", store.db, "--format", "json", "--limit", "0"]).stdout.split(separator: "\n").count
        #expect(after > before)
        #expect(follower.wait(forLines: after + 1), "\(follower.lines)")
        #expect(follower.stop() == 0)
        let ids = follower.lines.dropFirst().map { $0.split(separator: ",").first.map(String.init) ?? "" }
        #expect(ids.count == after && Set(ids).count == after, "each alert printed once: \(follower.lines)")
    }

    @Test("query --follow ends when the reader of its pipe goes away, even while nothing new is stored")
    func followEndsWithItsReader() throws {
        let store = try SampleStore("cloudtrail")
        let pipeline = Process()
        pipeline.executableURL = URL(fileURLWithPath: "/bin/sh")
        // head exits after one line; nothing is stored after, so only the closed pipe can end keywatch.
        pipeline.arguments = ["-c", "\"$0\" query --db \"$1\" --format json --follow | head -1", keywatchBinary.path, store.db]
        let output = Pipe()
        pipeline.standardOutput = output
        try pipeline.run()
        let ended = DaemonProcess.wait(seconds: 30) { !pipeline.isRunning }
        if !ended { pipeline.terminate() }
        #expect(ended, "keywatch went on following for nobody")
        let line = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line)")
    }
}
