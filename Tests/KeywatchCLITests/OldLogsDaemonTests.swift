import Foundation
import Testing
import KeywatchTestSupport
import KeywatchStore

/// The daemon over logs weeks old, as a new user first runs it: it judges them by their own time,
/// not by today's clock, while it is still reading them.
@Suite("Old logs in the daemon", .serialized)
struct OldLogsDaemonTests {
    /// An alert line of the stdout sink's text format: `first-seen SEVERITY rule id summary`.
    static func ruleAndFirstSeen(_ line: Substring) -> String? {
        let fields = line.split(separator: " ", maxSplits: 4)
        guard fields.count >= 4, fields[0].hasPrefix("20") else { return nil }
        return "\(fields[2]) \(fields[0].prefix(19))Z"
    }

    @Test("`make run`: the embedded defaults over copies of sample-logs/ and rules/ print exactly the alerts sample-logs/README.md lists, and store them with its counts")
    func makeRun() throws {
        let directory = TemporaryDirectory()
        for folder in ["sample-logs", "rules"] {
            try FileManager.default.copyItem(atPath: repositoryRoot.appendingPathComponent(folder).path, toPath: directory.path(folder))
        }
        try directory.write("stdout.txt", "")
        try directory.write("stderr.txt", "")
        let process = Process()
        process.executableURL = keywatchBinary
        process.arguments = ["run"]
        process.currentDirectoryURL = directory.url
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path("stdout.txt")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path("stderr.txt")))
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        func count(_ sql: String) throws -> Int64 {
            try SQLiteConnection(path: directory.path("keywatch.db"), readOnly: true).scalar(sql) ?? -1
        }
        func stderr() -> String { (try? String(contentsOfFile: directory.path("stderr.txt"), encoding: .utf8)) ?? "" }
        let stored = DaemonProcess.wait(seconds: 60) { try count("SELECT count(*) FROM event_rows") == 111 }
        #expect(stored, "\(stderr())")
        // Longer than anything the daemon's own clock does between looks at its groups.
        usleep(20_000_000)
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr())")

        let expected = try SampleLogs.expectedAlerts()
        #expect(expected.count == 20)
        let stdout = try String(contentsOfFile: directory.path("stdout.txt"), encoding: .utf8)
        let printed = stdout.split(separator: "\n").compactMap(Self.ruleAndFirstSeen).sorted()
        let promised = expected.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }.sorted()
        #expect(printed == promised, "printed on stdout:\n\(stdout)")
        let storedAlerts = try ListedAlert.all(in: directory.path("keywatch.db"))
            .map { "\($0.rule) \($0.firstSeen.prefix(19))Z \($0.count)" }.sorted()
        #expect(storedAlerts == expected)
    }

    @Test("a Key Vault PT1H.json of weeks ago copied in two parts 20 s apart, the analyst's 24 tenant-secret reads split between them: mass-secret-retrieval fires")
    func blobInTwoParts() throws {
        let directory = TemporaryDirectory()
        let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration())
        let relative = "keyvault/resourceId=/SUBSCRIPTIONS/6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A/RESOURCEGROUPS/RG-PAYMENTS/PROVIDERS/"
            + "MICROSOFT.KEYVAULT/VAULTS/KV-PAYMENTS-PROD/y=2026/m=11/d=20/h=09/m=00/PT1H.json"
        let blob = try String(contentsOf: repositoryRoot.appendingPathComponent("sample-logs/" + relative), encoding: .utf8)
        let lines = blob.split(separator: "\n", omittingEmptySubsequences: true).map { $0 + "\n" }
        #expect(lines.count == 58)
        let reads = lines.indices.filter { lines[$0].contains("-connection/") }
        #expect(reads.count == 24)
        let cut = reads[12]
        let target = daemon.logs + "/PT1H.json"
        try lines[..<cut].joined().write(toFile: target, atomically: false, encoding: .utf8)
        #expect(DaemonProcess.wait(seconds: 30) { try daemon.count("SELECT count(*) FROM event_rows") == Int64(cut) }, "\(daemon.stderr)")
        // Past the daemon's idle step: its clock has moved on its own before the rest arrives.
        usleep(20_000_000)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(lines[cut...].joined().utf8))
        try handle.close()
        #expect(DaemonProcess.wait(seconds: 30) { try daemon.count("SELECT count(*) FROM event_rows") == 58 }, "\(daemon.stderr)")
        let fired = DaemonProcess.wait(seconds: 10) {
            try daemon.count("SELECT count(*) FROM alerts WHERE rule = 'mass-secret-retrieval'") == 1
        }
        #expect(daemon.terminate().status == 0)
        let alerts = try ListedAlert.all(in: daemon.db).map(\.description)
        #expect(fired, "no mass-secret-retrieval; alerts: \(alerts)")
    }
}
