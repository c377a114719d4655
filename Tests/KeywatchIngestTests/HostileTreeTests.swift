import Foundation
import Testing
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
@testable import KeywatchIngest

/// Tailing a directory someone else can write to: rotated files with bad records at the same offsets.
@Suite("Hostile tail trees")
struct HostileTreeTests {
    @Test("rejects are kept per file: a rotated or truncated file's bad record at the same offset is another reject")
    func rejectsPerFileGeneration() throws {
        let tail = try TailHarness(include: ["*.json"])
        let bad = #"{"this is": not json}"# + "\n"
        try tail.write("app.json", bad + SyntheticLogs.keyVaultLines(0..<3) + bad)
        try tail.pass()
        #expect(try tail.rejects == 2)
        // Rotation by rename: the successor has its bad records at the same offsets.
        try FileManager.default.moveItem(atPath: tail.path("app.json"), toPath: tail.path("app.json.1"))
        try tail.write("app.json", bad + SyntheticLogs.keyVaultLines(10..<13) + bad)
        try tail.pass()
        #expect(try tail.rejects == 4)
        // Truncated and written again (copytruncate).
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tail.path("app.json")))
        try handle.truncate(atOffset: 0)
        try handle.close()
        try tail.append("app.json", bad + SyntheticLogs.keyVaultLines(20..<22) + bad)
        try tail.pass()
        #expect(try tail.rejects == 6)
        #expect(try tail.events == 8)
        #expect(try tail.scalar("SELECT count(DISTINCT input_generation) FROM rejects") == 3)
    }

    @Test("ingesting the same file twice stores each of its rejects once")
    func ingestTwiceRejectsOnce() throws {
        let directory = TemporaryDirectory()
        let bad = #"{"this is": not json}"# + "\n"
        let file = try directory.write("logs/PT1H.json", bad + SyntheticLogs.keyVaultLines(0..<3) + bad + bad)
        _ = try backfill([file], into: directory)
        let (_, reader) = try backfill([file], into: directory)
        #expect(try rejects(reader).count == 3)
    }
}
