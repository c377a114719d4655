import Foundation
import Testing
import KeywatchTestSupport

/// Reads CSV the way RFC 4180 defines it — quoted fields may hold commas, quotes and line
/// breaks — into records of fields; records end with LF or CRLF.
func parseCSV(_ bytes: [UInt8]) -> [[String]] {
    var records: [[String]] = [], fields: [String] = [], field: [UInt8] = []
    var quoted = false, index = 0
    while index < bytes.count {
        let byte = bytes[index]
        if quoted {
            if byte == UInt8(ascii: "\"") {
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") { field.append(byte); index += 1 } else { quoted = false }
            } else {
                field.append(byte)
            }
        } else if byte == UInt8(ascii: "\"") && field.isEmpty {
            quoted = true
        } else if byte == UInt8(ascii: ",") {
            fields.append(String(decoding: field, as: UTF8.self)); field = []
        } else if byte == 0x0A || (byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) {
            if byte == 0x0D { index += 1 }
            fields.append(String(decoding: field, as: UTF8.self)); field = []
            records.append(fields); fields = []
        } else {
            field.append(byte)
        }
        index += 1
    }
    return records
}

@Suite("Query output and bounds", .serialized)
struct QueryOutputTests {
    /// A store of the sample pushes, for statements that need a store but not its events.
    struct StoreOfPushes {
        let directory = TemporaryDirectory()
        var db: String { directory.path("k.db") }

        init() throws {
            let ingest = try keywatch(["ingest", "--no-detect", "--db", directory.path("k.db"),
                                       repositoryRoot.appendingPathComponent("sample-logs/pushes").path])
            #expect(ingest.status == 0, "\(ingest.stderr)")
        }
    }

    @Test("CSV of hostile log fields: one record per event, formulas neutralised, no control bytes, RFC 4180 quoting")
    func hostileCSV() throws {
        let directory = TemporaryDirectory()
        // CRLF in the user agent (no comma or quote: it used to go out unquoted and forge rows),
        // a formula in the IP, NUL and ESC in the operation.
        let hostile = #"{"time":"2026-11-20T09:00:00Z","operationName":"SecretGet\u0000\u001b[2J","callerIpAddress":"-2+3+cmd|' /C calc'!A0","identity":{"claim":{"oid":"o"}},"properties":{"clientInfo":"agent\r\n2026-11-20T09:00:01Z;forged;row\r\n=1+1","httpStatusCode":200,"id":"https://kv.vault.azure.net/secrets/s/1"}}"#
        let file = try directory.write("hostile.json", hostile + "\n")
        let db = directory.path("k.db")
        #expect(try keywatch(["ingest", "--no-detect", "--db", db, file]).status == 0)
        let csv = try keywatch(["query", "--db", db, "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let records = parseCSV(csv.stdoutBytes)
        #expect(records.count == 2, "\(csv.stdout)")
        #expect(csv.stdoutBytes.filter { $0 == 0x0A }.count == 2, "a record is one line")
        #expect(!csv.stdoutBytes.contains { $0 < 0x20 && $0 != 0x0A }, "raw control bytes: \(csv.stdout)")
        guard records.count == 2 else { return }
        let row = Dictionary(uniqueKeysWithValues: zip(records[0], records[1]))
        #expect(row["ip"] == "'-2+3+cmd|' /C calc'!A0")
        #expect(row["operation"] == #"SecretGet\x00\x1b[2J"#)
        #expect(row["user_agent"] == #"agent\x0d\x0a2026-11-20T09:00:01Z;forged;row\x0d\x0a=1+1"#)
    }

    @Test("CSV cells, one rule each: formula triggers, plain numbers, quotes and commas, NULL")
    func csvCells() throws {
        let store = try StoreOfPushes()
        let db = store.db
        let sql = """
            SELECT '=1+1' AS a, '+1' AS b, '-1+1' AS c, '@SUM(A1)' AS d, char(9) || '=1' AS e, char(13) || '=1' AS f,
                   -5 AS g, -1.5 AS h, '-2e3' AS i, 'say "hi", ok' AS j, NULL AS k, 'a' || char(13, 10) || 'b' AS l
            """
        let csv = try keywatch(["query", "--db", db, "--format", "csv", "--sql", sql])
        #expect(csv.status == 0, "\(csv.stderr)")
        let records = parseCSV(csv.stdoutBytes)
        #expect(records.count == 2)
        #expect(records.last == ["'=1+1", "'+1", "'-1+1", "'@SUM(A1)", #"'\x09=1"#, #"'\x0d=1"#,
                                 "-5", "-1.5", "-2e3", #"say "hi", ok"#, "", #"a\x0d\x0ab"#])
        #expect(csv.stdout.hasSuffix("\"say \"\"hi\"\", ok\",,a\\x0d\\x0ab\n"))
    }

    @Test("--sql: an endless statement is stopped by --timeout, with status 2 and a message")
    func timeout() throws {
        let store = try StoreOfPushes()
        let db = store.db
        let process = Process()
        process.executableURL = keywatchBinary
        process.arguments = ["query", "--db", db, "--timeout", "1s", "--sql",
                             "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stopped = DaemonProcess.wait(seconds: 60) { !process.isRunning }
        if !stopped { process.terminate() }
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stopped, "an endless statement ran for a minute")
        #expect(process.terminationStatus == 2)
        #expect(stderr.contains("the statement ran longer than 1 s and was stopped (--timeout)"), "\(stderr)")
    }

    @Test("--sql: --timeout holds between rows too, so a slow reader of the output cannot keep the statement running")
    func timeoutWhileOutputIsSlow() throws {
        let store = try StoreOfPushes()
        let process = Process()
        process.executableURL = keywatchBinary
        // Rows of 4 KB, far more than a pipe holds: the statement can only go as fast as its reader,
        // a row per read, and SQLite's progress handler (every 10,000 steps, a few thousand rows)
        // would not be called for minutes.
        process.arguments = ["query", "--db", store.db, "--timeout", "1s", "--format", "csv", "--sql",
                             "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT printf('%4000d', x) FROM c"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Reads 4 KB every 50 ms.
        let started = Date()
        while process.isRunning && Date().timeIntervalSince(started) < 60 {
            _ = out.fileHandleForReading.readData(ofLength: 4096)
            usleep(50_000)
        }
        _ = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // Without the check between rows it ran 25 s here, until the progress handler's turn came.
        #expect(Date().timeIntervalSince(started) < 15, "the statement outlived its 1 s timeout")
        #expect(process.terminationStatus == 2)
        #expect(stderr.contains("the statement ran longer than 1 s and was stopped (--timeout)"), "\(stderr)")
    }

    @Test("--max-memory goes with --sql, and is at most 1 TiB")
    func maxMemoryOptions() throws {
        let store = try StoreOfPushes()
        let alone = try keywatch(["query", "--db", store.db, "--max-memory", "100"])
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("--timeout, --max-memory and --copy go with --sql"), "\(alone.stderr)")
        let huge = try keywatch(["query", "--db", store.db, "--max-memory", "9999999999999", "--sql", "SELECT 1"])
        #expect(huge.status == 2)
        #expect(huge.stderr.contains("--max-memory must be from 0 (no limit) to 1048576 MiB (1 TiB)"), "\(huge.stderr)")
    }

    @Test("--sql: SQLite's memory is capped by --max-memory (512 MiB unless given), and a value's length by half of it")
    func memory() throws {
        let store = try StoreOfPushes()
        let db = store.db
        let three = "SELECT length(a) + length(b) + length(c) AS n FROM (SELECT randomblob(40e6) AS a, randomblob(40e6) AS b, randomblob(40e6) AS c)"
        let capped = try keywatch(["query", "--db", db, "--max-memory", "100", "--sql", three])
        #expect(capped.status == 2)
        #expect(capped.stderr.contains("the statement needed more than 100 MiB of memory and was stopped (--max-memory)"), "\(capped.stderr)")
        let roomy = try keywatch(["query", "--db", db, "--format", "json", "--sql", three])
        #expect(roomy.stdout == "{\"n\":120000000}\n", "\(roomy.stderr)")
        let long = try keywatch(["query", "--db", db, "--sql", "SELECT length(randomblob(1e9))"])
        #expect(long.status == 2)
        #expect(long.stderr.contains("made or read a value longer than 256 MiB and was stopped"), "\(long.stderr)")
    }

    @Test("--sql as a table holds at most --limit rows, and says so; csv streams them all")
    func tableRows() throws {
        let store = try StoreOfPushes()
        let db = store.db
        let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000) SELECT x FROM c"
        let table = try keywatch(["query", "--db", db, "--sql", sql, "--limit", "10"])
        #expect(table.status == 0)
        #expect(table.stdout.split(separator: "\n").count == 11)
        #expect(table.stderr.contains("showing the first 10 rows"))
        let csv = try keywatch(["query", "--db", db, "--sql", sql, "--limit", "10", "--format", "csv"])
        #expect(csv.stdout.split(separator: "\n").count == 5001)
    }
}
