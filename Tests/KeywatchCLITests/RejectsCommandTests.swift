import Foundation
import Testing
import KeywatchTestSupport

/// `keywatch rejects`: every rejected record with when, where from, why and its first bytes —
/// where the store holds microseconds, an input id and a blob.
@Suite("keywatch rejects", .serialized)
struct RejectsCommandTests {
    /// Three bad records — an escape sequence mid-record, not JSON, JSON of no known log — around
    /// a good one, in `bad.json`; ingested into `k.db`.
    struct StoreOfRejects {
        let directory = TemporaryDirectory()
        var db: String { directory.path("k.db") }
        let file: String
        /// The first record, which the table shows 80 bytes of.
        static let long = #"{"time":"2026-11-20T09:00:00Z","operationName":"SecretGet"\#u{1b}[2J\#u{1b}]0;owned\#u{07}"# + String(repeating: "x", count: 150)

        init() throws {
            let content = Self.long + "\n" + SyntheticLogs.keyVaultLine(1) + "\nnot json at all\n{\"a\":1}\n"
            file = try directory.write("bad.json", content)
            let ingest = try keywatch(["ingest", "--no-detect", "--db", directory.path("k.db"), file])
            #expect(ingest.status == 1, "\(ingest.stderr)")
        }
    }

    @Test("the table: RFC 3339 receive time, file@offset, reason and the first 80 bytes escaped — no control byte reaches the terminal")
    func table() throws {
        let store = try StoreOfRejects()
        let started = Date()
        let run = try keywatch(["rejects", "--db", store.db])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "a header and three rejects: \(run.stdout)")
        #expect(lines.first?.hasPrefix("RECEIVED") == true)
        #expect(!run.stdoutBytes.contains { $0 < 0x20 && $0 != 0x0A }, "raw control bytes: \(run.stdout)")
        guard lines.count == 4 else { return }
        let goodLineLength = SyntheticLogs.keyVaultLine(1).utf8.count + 1
        let secondOffset = StoreOfRejects.long.utf8.count + 1 + goodLineLength
        #expect(lines[1].contains("file:\(store.file)@0 "), "\(lines[1])")
        #expect(lines[2].contains("file:\(store.file)@\(secondOffset) "), "\(lines[2])")
        #expect(lines[3].contains("file:\(store.file)@\(secondOffset + 16) "), "\(lines[3])")
        #expect(lines[1].contains(#"unexpected byte 0x1B"#), "\(lines[1])")
        #expect(lines[2].contains("not json at all"))
        #expect(lines[3].contains("unrecognized record"))
        // 80 bytes of the record, its controls escaped; not the 150 x's after them.
        let shown = String(StoreOfRejects.long.utf8.prefix(80))!
            .replacingOccurrences(of: "\u{1b}", with: #"\x1b"#).replacingOccurrences(of: "\u{07}", with: #"\x07"#)
        #expect(lines[1].hasSuffix(shown), "\(lines[1])")
        // Received now, readable: an RFC 3339 time of today, not microseconds.
        let received = String(lines[1].prefix(while: { $0 != " " }))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let time = try #require(formatter.date(from: received), "\(received)")
        #expect(abs(time.timeIntervalSince(started)) < 600)
    }

    @Test("json: one object per line, with the input, offset, origin, reason and every byte kept (escaped); csv: the same columns, parseable")
    func jsonAndCSV() throws {
        let store = try StoreOfRejects()
        let json = try keywatch(["rejects", "--db", store.db, "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let objects = try json.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == 3)
        let first = try #require(objects.first)
        #expect(first["input"] as? String == "file:\(store.file)")
        #expect(first["offset"] as? Int == 0)
        #expect(first["origin"] as? String == "file:\(store.file)@0")
        let record = try #require(first["record"] as? String)
        #expect(record.hasPrefix(#"{"time":"2026-11-20T09:00:00Z","operationName":"SecretGet"\x1b[2J\x1b]0;owned\x07xxx"#), "\(record)")
        #expect(record.utf8.count > 150, "more than the table's 80 bytes")
        #expect(!record.unicodeScalars.contains { $0.value < 0x20 })
        let csv = try keywatch(["rejects", "--db", store.db, "--format", "csv"])
        let rows = parseCSV(csv.stdoutBytes)
        #expect(rows.first == ["received", "input", "offset", "origin", "reason", "record"])
        #expect(rows.count == 4)
        #expect(rows.dropFirst().first?[5] == record)
        #expect(rows.last?[4].hasPrefix("unrecognized record") == true)
    }

    @Test("--limit keeps the most recent; --since is when they were received: an hour from now holds none; none says so on stderr")
    func bounds() throws {
        let store = try StoreOfRejects()
        let one = try keywatch(["rejects", "--db", store.db, "--limit", "1", "--format", "json"])
        #expect(one.stdout.split(separator: "\n").count == 1)
        #expect(one.stdout.contains("unrecognized record"), "the last stored: \(one.stdout)")
        #expect(one.stderr.contains("showing the most recent 1 rejects; use --limit 0 for all"))
        let future = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
        let none = try keywatch(["rejects", "--db", store.db, "--since", future])
        #expect(none.status == 0)
        #expect(none.stdout.isEmpty)
        #expect(none.stderr.contains("no rejected records since then"), "\(none.stderr)")
        let recent = try keywatch(["rejects", "--db", store.db, "--since", "1h", "--format", "json"])
        #expect(recent.stdout.split(separator: "\n").count == 3)
    }

    @Test("a push's rejects name its request id (the Idempotency-Key) as their origin, without an offset")
    func pushOrigin() async throws {
        let directory = TemporaryDirectory()
        let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration(port: freePort()))
        let port = try #require(daemon.listeningPort(), "\(daemon.stderr)")
        let body = SyntheticLogs.keyVaultLine(1) + "\n{\"not\":\"a log\"}\n"
        let reply = try await http("POST", "http://127.0.0.1:\(port)/v1/events", body: Array(body.utf8), headers: ["Idempotency-Key": "batch-42"])
        #expect(reply.status == 202, "\(reply.body)")
        #expect(daemon.terminate().status == 0, "\(daemon.stderr)")
        let run = try keywatch(["rejects", "--db", daemon.db, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout) \(run.stderr)")
        #expect(object["input"] as? String == "http:batch-42")
        #expect(object["offset"] is NSNull)
        #expect(object["origin"] as? String == "http:batch-42")
        let table = try keywatch(["rejects", "--db", daemon.db])
        #expect(table.stdout.contains(" http:batch-42 "), "\(table.stdout)")
    }
}
