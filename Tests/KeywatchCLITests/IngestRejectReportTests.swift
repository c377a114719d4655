import Foundation
import Testing
import KeywatchTestSupport

/// What `ingest` says about records it rejects and files it skips: where and why, not just how many.
@Suite("ingest reports rejects and skipped files", .serialized)
struct IngestRejectReportTests {
    /// Seven bad records over two files (four in a plain one, three in a gzip one), between good
    /// ones; and the reasons expected for the first five, in order.
    struct HostileFiles {
        let directory = TemporaryDirectory()
        let plain: String
        let gzip: String
        static let plainLines = [
            SyntheticLogs.keyVaultLine(1),
            "not json at all",
            "{\"a\":1}",
            #"{"time":"2026-11-20T09:00:00Z","operationName":"\#u{1b}[31mSecretGet"#,
            SyntheticLogs.keyVaultLine(2),
            #"{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","eventTime":"1e16"}"#,
        ]

        init() throws {
            plain = try directory.write("logs/a.json", Self.plainLines.joined(separator: "\n") + "\n")
            let lines = ["{\"records\":7}", SyntheticLogs.keyVaultLine(3), "\"text\"", "nul"].joined(separator: "\n") + "\n"
            let source = try directory.write("b.json", lines)
            let compress = Process()
            compress.executableURL = URL(fileURLWithPath: "/bin/gzip")
            compress.arguments = ["-n", source]
            try compress.run()
            compress.waitUntilExit()
            gzip = directory.path("logs/b.json.gz")
            try FileManager.default.moveItem(atPath: source + ".gz", toPath: gzip)
        }

        /// The byte offset of line `index` of the plain file.
        static func offset(ofLine index: Int) -> Int {
            plainLines.prefix(index).map { $0.utf8.count + 1 }.reduce(0, +)
        }

        /// `ingest` of the files with `arguments`, which must reject and report the first five
        /// rejects as ``expectedPrefixes()`` says, then one more line; and that report.
        func ingest(_ arguments: [String]) throws -> (Run, [String]) {
            let run = try keywatch(["ingest"] + arguments + [directory.path("logs")])
            #expect(run.status == 1, "\(run.stderr)")
            let report = run.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("rejected ") || $0.hasPrefix("… and") }
            #expect(report.count == 6, "\(run.stderr)")
            for (line, prefix) in zip(report, expectedPrefixes()) {
                #expect(line.hasPrefix(prefix), "\(line) does not start with \(prefix)")
            }
            return (run, report)
        }

        /// The report's lines, in order: `rejected <file> at byte <n>: …` for the first five.
        func expectedPrefixes() -> [String] {
            ["rejected \(plain) at byte \(Self.offset(ofLine: 1)): invalid JSON",
             "rejected \(plain) at byte \(Self.offset(ofLine: 2)): unrecognized record",
             "rejected \(plain) at byte \(Self.offset(ofLine: 3)): ",
             "rejected \(plain) at byte \(Self.offset(ofLine: 5)): CloudTrail eventTime is not a timestamp: \"1e16\"",
             "rejected \(gzip) at byte 0: unrecognized record"]
        }
    }


    @Test("ingest names the first five rejects — file, byte offset, reason, escaped — then how many more and where to see them")
    func ingestNamesRejects() throws {
        let files = try HostileFiles()
        let db = files.directory.path("k.db")
        let (run, report) = try files.ingest(["--no-detect", "--db", db])
        #expect(report.last == "… and 2 more (keywatch rejects --db \(db))")
        #expect(!run.stderr.utf8.contains(0x1B), "the reason quoting the record is escaped: \(run.stderr)")
        #expect(run.stderr.contains("3 events stored, 0 duplicates, 0 skipped, 7 rejected"), "\(run.stderr)")
        // What it points to holds them all.
        let stored = try keywatch(["rejects", "--db", db, "--format", "json"])
        #expect(stored.stdout.split(separator: "\n").count == 7)
    }

    @Test("--dry-run, which stores nothing, gives the same reasons from decoding")
    func dryRunNamesRejects() throws {
        let files = try HostileFiles()
        let db = files.directory.path("k.db")
        let (_, report) = try files.ingest(["--dry-run", "--db", db])
        #expect(report.last?.hasPrefix("… and 2 more (a dry run stores nothing") == true, "\(report)")
        #expect(!FileManager.default.fileExists(atPath: db))
        let (_, stored) = try files.ingest(["--no-detect", "--db", db])
        #expect(stored.dropLast() == report.dropLast(), "a dry run and a run report the same rejects")
    }

    @Test("a file that is not JSON is named on the summary line; several are listed, one per line after it")
    func skippedFilesNamed() throws {
        let directory = TemporaryDirectory()
        try directory.write("logs/good.json", SyntheticLogs.keyVaultLine(1) + "\n")
        let readme = try directory.write("logs/README.md", "# not a log\n")
        let one = try keywatch(["ingest", "--no-detect", "--db", directory.path("k.db"), directory.path("logs")])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stderr.contains("; 1 file not JSON, skipped: \(readme)\n"), "\(one.stderr)")
        // A name is hostile too: it is escaped.
        let notes = try directory.write("logs/notes\u{1b}[2J.txt", "hello\n").replacingOccurrences(of: "\u{1b}", with: #"\x1b"#)
        let two = try keywatch(["ingest", "--no-detect", "--db", directory.path("k.db"), directory.path("logs")])
        let lines = two.stderr.split(separator: "\n").map(String.init)
        let summary = try #require(lines.firstIndex { $0.hasPrefix("ingested ") }, "\(two.stderr)")
        #expect(lines[summary].hasSuffix("; 2 files not JSON, skipped:"), "\(two.stderr)")
        #expect(Set(lines[(summary + 1)...].prefix(2)) == ["  \(readme)", "  \(notes)"], "\(two.stderr)")
        #expect(!two.stderr.utf8.contains(0x1B))
    }
}
