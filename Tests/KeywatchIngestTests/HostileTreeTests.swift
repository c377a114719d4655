import Foundation
import Testing
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
@testable import KeywatchIngest

/// Tailing a directory someone else can write to: paths swapped for FIFOs, links out of the
/// root, rotated files with bad records at the same offsets, and ten thousand quiet files.
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
        try link(tail.path("dangling.json"), "nowhere.json")              // a link to nothing: skipped, not unreadable
        try tail.pass()
        #expect(try tail.events == 6)
        #expect(try tail.rejects == 0, "nothing of the files outside reaches the store")
        #expect(try tail.scalar("SELECT count(*) FROM events WHERE origin LIKE '%/records.json@%'") == 3)
        #expect(try tail.scalar("SELECT count(*) FROM events WHERE origin LIKE '%/a-linked/x.json@%'") == 1)
        let exposition = tail.metrics.exposition(writerBacklog: 0)
        #expect(exposition.contains(#"keywatch_tail_skipped{reason="outside-root"} 3"#))
        #expect(exposition.contains(#"keywatch_tail_skipped{reason="broken-link"} 1"#), "\(exposition)")
        #expect(exposition.contains(#"keywatch_tail_unreadable{kind="directory"} 0"#), "\(exposition)")

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

    @Test("a quiet file is not opened again: idle passes only stat, and a file that grows is read")
    func quietFilesNotReopened() throws {
        let tail = try TailHarness()
        tail.options.maximumOpenFiles = 4
        try tail.restart()
        for n in 0..<40 { try tail.write(String(format: "f%02d.json", n), SyntheticLogs.keyVaultLines(n..<(n + 1))) }
        try tail.pass()
        try tail.pass()
        #expect(try tail.events == 40)

        let opens = try OpenWatch(directory: tail.logs)
        for _ in 0..<3 { try tail.tailer.pass(rescan: false) }
        #expect(opens.files() == [], "idle passes open nothing")
        try tail.pass()
        #expect(opens.files() == [], "nor does a rescan of unchanged files")

        try tail.append("f07.json", SyntheticLogs.keyVaultLines(100..<101))
        try tail.tailer.pass(rescan: false)
        tail.writer.flush()
        #expect(try tail.events == 41)
        #expect(opens.files().subtracting(["f07.json"]) == [])
    }

    @Test("a log directory moved away and a new one made at its path: inotify watches the new one")
    func directoryReplaced() throws {
        let tail = try inotifyDriven()
        try tail.write("current/a.json", SyntheticLogs.keyVaultLines(0..<1))
        try tail.pass()
        try FileManager.default.moveItem(atPath: tail.path("current"), toPath: tail.directory.path("archived"))
        try tail.write("current/b.json", SyntheticLogs.keyVaultLines(1..<2))
        try steps(tail, appendingTo: "current/b.json", line: 2)
        #expect(try tail.events == 3, "the line appended to the new directory's file is read at once, not at a rescan")
    }

    @Test("the tail root removed and made again: its new files are read, and what is appended to them at once")
    func rootReplaced() throws {
        let tail = try inotifyDriven()
        try tail.write("a.json", SyntheticLogs.keyVaultLines(0..<1))
        try tail.pass()
        try FileManager.default.removeItem(atPath: tail.logs)
        try tail.write("sub/b.json", SyntheticLogs.keyVaultLines(1..<2))
        try steps(tail, appendingTo: "sub/b.json", line: 2)
        #expect(try tail.events == 3)
    }

    /// A harness whose passes only inotify brings: no rescan comes by itself.
    private func inotifyDriven() throws -> TailHarness {
        let tail = try TailHarness()
        tail.options.rescanInterval = 3600
        try tail.restart()
        return tail
    }

    /// A step for what was done to the tree (a scan), then record `line` appended to `file` and a
    /// step for that, as the tailer's thread runs them; what they read is committed.
    private func steps(_ tail: TailHarness, appendingTo file: String, line: Int) throws {
        _ = try tail.tailer.step(timeout: 30)
        try tail.append(file, SyntheticLogs.keyVaultLines(line..<(line + 1)))
        _ = try tail.tailer.step(timeout: 30)
        tail.writer.flush()
    }
}

/// The names of the files opened in a directory, as inotify reports them (any process's opens).
final class OpenWatch {
    private let descriptor: Int32

    init(directory: String) throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0, inotify_add_watch(descriptor, directory, UInt32(IN_OPEN)) >= 0 else {
            throw FileReadError(path: directory, reason: "inotify: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// The files opened since the last call (directories left out).
    func files() -> Set<String> {
        var names = Set<String>()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return names }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let mask = buffer.withUnsafeBytes { $0.load(fromByteOffset: offset + 4, as: UInt32.self) }
                let length = buffer.withUnsafeBytes { Int($0.load(fromByteOffset: offset + 12, as: UInt32.self)) }
                let start = offset + MemoryLayout<inotify_event>.size
                if length > 0, mask & UInt32(IN_ISDIR) == 0 {
                    names.insert(String(decoding: buffer[start..<(start + length)].prefix { $0 != 0 }, as: UTF8.self))
                }
                offset = start + length
            }
        }
    }
}
