import Foundation
import Testing
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
@testable import KeywatchIngest

/// Tailing a directory someone else can write to: paths swapped for FIFOs, links out of the
/// root, rotated files with bad records at the same offsets.
@Suite("Hostile tail trees")
struct HostileTreeTests {
    @Test("a tailed path swapped for a FIFO between two looks does not block the tailer; the other files are read")
    func fifoSwappedIn() throws {
        let tail = try TailHarness()
        tail.options.maximumOpenFiles = 0  // every pass opens the files again by path
        try tail.restart()
        try tail.write("a.json", SyntheticLogs.keyVaultLines(0..<2))
        try tail.write("z.json", SyntheticLogs.keyVaultLines(2..<4))
        try tail.pass()
        #expect(try tail.events == 4)

        // Swapped for a FIFO after the scan that found it: only the next open sees the FIFO.
        let fifo = tail.directory.path("fifo")
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(rename(fifo, tail.path("a.json")) == 0)
        try tail.append("z.json", SyntheticLogs.keyVaultLines(4..<6))
        let done = DispatchSemaphore(value: 0)
        let tailer = tail.tailer!
        Thread { _ = try? tailer.pass(rescan: false); done.signal() }.start()
        let returned = done.wait(timeout: .now() + 30) == .success
        if !returned {
            // A writer lets the blocked open return, so the test ends rather than hangs.
            let writer = open(tail.path("a.json"), O_RDWR)
            done.wait()
            close(writer)
        }
        #expect(returned, "the pass blocked opening the FIFO")
        tail.writer.flush()
        #expect(try tail.events == 6)

        try tail.pass()
        #expect(tail.metrics.exposition(writerBacklog: 0).contains(#"keywatch_tail_skipped{reason="not-regular"} 1"#))
        #expect(try tail.scalar("SELECT count(*) FROM tailed_files") == 1)
    }

    @Test("links are not followed by default: neither out of the root nor within it; each is counted")
    func linksNotFollowed() throws {
        let outside = TemporaryDirectory()
        let secret = try outside.write("secret.json", #"{"password":"hunter2"}"# + "\n")
        _ = try outside.write("dir/other.json", #"{"api_key":"outside"}"# + "\n")
        let tail = try TailHarness()
        try tail.write("good.json", SyntheticLogs.keyVaultLines(0..<2))
        try tail.write("sub/inner.log", SyntheticLogs.keyVaultLines(2..<3))
        try FileManager.default.createSymbolicLink(atPath: tail.path("evil.json"), withDestinationPath: secret)
        try FileManager.default.createSymbolicLink(atPath: tail.path("evildir"), withDestinationPath: outside.path("dir"))
        try FileManager.default.createSymbolicLink(atPath: tail.path("inner.json"), withDestinationPath: "sub/inner.log")
        try tail.pass()
        #expect(try tail.events == 3)
        #expect(try tail.rejects == 0, "nothing of the files outside reaches the store")
        #expect(try tail.scalar("SELECT count(*) FROM tailed_files WHERE path LIKE '%evil%' OR path LIKE '%inner.json'") == 0)
        #expect(tail.metrics.exposition(writerBacklog: 0).contains(#"keywatch_tail_skipped{reason="symlink"} 3"#))
    }

    @Test("follow_links follows links within the root only: the real path is checked, for files and directories")
    func linksFollowedWithinTheRoot() throws {
        let outside = TemporaryDirectory()
        let secret = try outside.write("secret.json", #"{"password":"hunter2"}"# + "\n")
        _ = try outside.write("dir/other.json", #"{"api_key":"outside"}"# + "\n")
        let tail = try TailHarness(include: ["*.json", "a-linked/*.json"], followLinks: true)
        try tail.write("good.json", SyntheticLogs.keyVaultLines(0..<2))
        try tail.write("deep/records.log", SyntheticLogs.keyVaultLines(2..<5))
        try tail.write("deep/more/x.json", SyntheticLogs.keyVaultLines(5..<6))
        let link = FileManager.default.createSymbolicLink(atPath:withDestinationPath:)
        try link(tail.path("records.json"), "deep/records.log")           // a file within: followed
        // A directory within, by absolute path: followed (and walked under this name, the first).
        try link(tail.path("a-linked"), tail.path("deep/more"))
        try link(tail.path("evil.json"), secret)                          // a file outside
        try link(tail.path("escape.json"), "../../\(outside.url.lastPathComponent)/secret.json")  // a relative way out
        try link(tail.path("evildir"), outside.path("dir"))               // a directory outside
        try link(tail.path("loop"), ".")                                  // the root again: walked once
        try tail.pass()
        #expect(try tail.events == 6)
        #expect(try tail.rejects == 0, "nothing of the files outside reaches the store")
        #expect(try tail.scalar("SELECT count(*) FROM events WHERE origin LIKE '%/records.json@%'") == 3)
        #expect(try tail.scalar("SELECT count(*) FROM events WHERE origin LIKE '%/a-linked/x.json@%'") == 1)
        #expect(tail.metrics.exposition(writerBacklog: 0).contains(#"keywatch_tail_skipped{reason="outside-root"} 3"#))

        // A link turned to point outside after it was followed is not read from there.
        try tail.pass()
        try FileManager.default.removeItem(atPath: tail.path("records.json"))
        try link(tail.path("records.json"), secret)
        try tail.pass()
        #expect(try tail.rejects == 0)
        #expect(try tail.events == 6)
    }

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
