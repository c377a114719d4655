import Foundation
import Testing
import KeywatchTestSupport

/// The `keywatch` binary, built beside the tests.
let keywatchBinary: URL = {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent()] {
        let binary = candidate.appendingPathComponent("keywatch")
        if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
    }
    return bundle.appendingPathComponent("keywatch")
}()

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutBytes: [UInt8]
}

/// Runs `keywatch` with `arguments`, in `directory`, through `launcher` (a command that runs the
/// one after it) when given.
func keywatch(_ arguments: [String], in directory: URL? = nil, launcher: [String] = []) throws -> Run {
    let process = Process()
    let command = launcher + [keywatchBinary.path] + arguments
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
               stderr: String(decoding: stderr, as: UTF8.self), stdoutBytes: Array(stdout))
}

@Suite("Command line", .serialized)
struct CommandLineTests {
    let samples = repositoryRoot.appendingPathComponent("sample-logs").path

    @Test("ingest without detection: a summary on stderr, nothing on stdout, status 0; the store answers queries")
    func ingestAndQuery() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("k.db")
        let ingest = try keywatch(["ingest", "--no-detect", "--db", db, samples])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.isEmpty)
        #expect(ingest.stderr.contains("111 events stored, 0 duplicates, 3 skipped, 0 rejected"))

        let json = try keywatch(["query", "--db", db, "--outcome", "denied", "--format", "json", "--raw", "--limit", "0"])
        #expect(json.status == 0)
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 15)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["outcome"] as? String == "denied")
            #expect(Set(object.keys).isSuperset(of: ["key", "source", "time", "operation", "class", "principal", "resource", "origin", "raw"]))
            #expect(object["raw"] is [String: Any])
        }

        let csv = try keywatch(["query", "--db", db, "--class", "permission", "--format", "csv"])
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.first?.hasPrefix("key,source,time,operation,class,outcome") == true)
        #expect(rows.count == 1 + 3)  // VaultPatch, PutKeyPolicy, CreateGrant

        let table = try keywatch(["query", "--db", db, "--principal", "arn:aws:iam::111122223333:user/ops-admin", "--limit", "3"])
        #expect(table.stdout.split(separator: "\n").count == 4)
        #expect(table.stdout.hasPrefix("TIME"))
        #expect(table.stderr.contains("showing the most recent 3 events"))

        let again = try keywatch(["ingest", "--db", db, samples])
        #expect(again.stderr.contains("0 events stored, 111 duplicates"))
    }

    @Test("exit status 1 when records were rejected; 2 on usage and I/O errors")
    func exitStatuses() throws {
        let directory = TemporaryDirectory()
        let bad = try directory.write("bad.json", "{\"operationName\":\"SecretGet\"}\n{\"time\":\"2026-11-20T09:00:00Z\",\"operationName\":\"SecretGet\"}\n")
        let rejected = try keywatch(["ingest", "--db", directory.path("k.db"), bad])
        #expect(rejected.status == 1)
        #expect(rejected.stderr.contains("1 events stored") && rejected.stderr.contains("1 rejected"))

        let missing = try keywatch(["ingest", "--db", directory.path("k.db"), "/no/such/path"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/no/such/path: no such file or directory"))

        let usage = try keywatch(["ingest"])
        #expect(usage.status == 2)
        let badTime = try keywatch(["query", "--db", directory.path("k.db"), "--since", "last tuesday"])
        #expect(badTime.status == 2)
        #expect(badTime.stderr.contains("--since 'last tuesday' is not a time"))
        let badOutcome = try keywatch(["query", "--db", directory.path("k.db"), "--outcome", "maybe"])
        #expect(badOutcome.status == 2)
        #expect(badOutcome.stderr.contains("success, denied, failed, challenge"))
        let noStore = try keywatch(["query", "--db", directory.path("none.db")])
        #expect(noStore.status == 2)
    }

    @Test("--sql reads, and refuses to write with a clear message")
    func sql() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("k.db")
        _ = try keywatch(["ingest", "--db", db, samples])
        let count = try keywatch(["query", "--db", db, "--sql", "SELECT count(*) AS n FROM events", "--format", "json"])
        #expect(count.stdout == "{\"n\":111}\n")
        let delete = try keywatch(["query", "--db", db, "--sql", "DELETE FROM event_rows"])
        #expect(delete.status == 2)
        #expect(delete.stderr.contains("--sql only reads the store"))
        let attach = try keywatch(["query", "--db", db, "--sql", "ATTACH '\(directory.path("x.db"))' AS x"])
        #expect(attach.status == 2)
        #expect(!FileManager.default.fileExists(atPath: directory.path("x.db")))
        #expect(try keywatch(["query", "--db", db, "--sql", "SELECT count(*) FROM events"]).stdout.contains("111"))
    }

    @Test("table output escapes control characters from the logs: ESC, CR, BEL, C1")
    func escaping() throws {
        let directory = TemporaryDirectory()
        let hostile = #"{"time":"2026-11-20T09:00:00Z","operationName":"SecretGet\u001b[2J\u0007","callerIpAddress":"10.0.0.1\r\u0085","identity":{"claim":{"upn":"evil\u001b]0;owned\u0007@x","oid":"o"}},"properties":{"httpStatusCode":200,"id":"https://kv.vault.azure.net/secrets/s\u009b31m/1"}}"#
        let file = try directory.write("hostile.json", hostile + "\n")
        let db = directory.path("k.db")
        #expect(try keywatch(["ingest", "--db", db, file]).status == 0)
        let table = try keywatch(["query", "--db", db])
        let controls = table.stdoutBytes.filter { $0 == 0x1B || $0 == 0x07 || $0 == 0x0D }
        #expect(controls.isEmpty, "raw control bytes reached the terminal")
        #expect(!table.stdout.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
        #expect(table.stdout.contains("SecretGet\\x1b[2J\\x07"))
        #expect(table.stdout.contains("\\x9b31m"))
        // JSON keeps the exact values, escaped the JSON way.
        let json = try keywatch(["query", "--db", db, "--format", "json"])
        #expect(json.stdout.contains(#""operation":"SecretGet\u001b[2J\u0007""#))
    }

    @Test("--help lists the commands")
    func help() throws {
        let help = try keywatch(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("ingest") && help.stdout.contains("query"))
    }
}
