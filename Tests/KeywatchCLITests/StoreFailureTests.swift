import Foundation
import Testing
import KeywatchStore
import KeywatchTestSupport

/// The store failing under the daemon and the queries, for real: pages overwritten in the file,
/// a disk that fills (a 3 MiB tmpfs), a directory mounted read-only. Each is told with the file
/// or directory at fault and what to do, and the daemon exits instead of running on.
@Suite("Store failures", .serialized)
struct StoreFailureTests {
    let samples = repositoryRoot.appendingPathComponent("sample-logs").path

    /// The tests' daemon configuration with the store at `db`, tailing `logs`.
    func configuration(db: String, logs: String) -> String {
        DaemonProcess.configuration().replacingOccurrences(of: "db: ./k.db", with: "db: \(db)")
            .replacingOccurrences(of: "path: ./logs", with: "path: \(logs)")
    }

    /// A store of the sample logs at `db`, one file: no -wal or -shm beside it (with them, a
    /// reader in a read-only directory needs to create nothing, and a page overwritten in the
    /// file could be superseded by its copy in the log).
    func ingestSamples(into db: String) throws {
        let ingest = try keywatch(["ingest", "--no-detect", "--db", db, samples])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db + "-wal") && !FileManager.default.fileExists(atPath: db + "-shm"))
    }

    /// Overwrites `count` bytes of the first leaf page of `tree` in the store at `db`, from `offset`.
    func damage(_ tree: String, of db: String, offset: Int64 = 0, count: Int, with byte: UInt8 = 0xA5) throws {
        let page = try #require(try SQLiteConnection(path: db, readOnly: true)
            .scalar("SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = 'leaf' LIMIT 1", [.text(tree)]))
        let handle = try #require(FileHandle(forUpdatingAtPath: db))
        try handle.seek(toOffset: UInt64((page - 1) * 16384 + offset))
        try handle.write(contentsOf: Data(repeating: byte, count: count))
        try handle.close()
    }

    @Test("a damaged data page stops the daemon at start: status 2, the file named, what to do")
    func damagedPageAtStart() throws {
        let directory = TemporaryDirectory()
        try ingestSamples(into: directory.path("k.db"))
        try damage("event_rows", of: directory.path("k.db"), count: 100)
        let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration())
        let exited = DaemonProcess.wait(seconds: 60) { !daemon.process.isRunning }
        #expect(exited, "the daemon ran on a damaged store: \(daemon.stderr)")
        guard exited else { return }
        #expect(daemon.process.terminationStatus == 2)
        #expect(daemon.stderr.contains("keywatch run: \(directory.path("k.db")) is damaged"), "\(daemon.stderr)")
        #expect(daemon.stderr.contains("keep a copy of the file"), "\(daemon.stderr)")
    }

    @Test("run --check: the full integrity check finds an index that lacks a row, which the quick check does not")
    func fullCheckAtStart() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("k.db")
        try ingestSamples(into: db)
        try damage("event_rows_by_principal", of: db, offset: 16383, count: 1, with: 0x7E)
        try directory.write("keywatch.yaml", DaemonProcess.configuration())
        // The configuration's tail directory must be there at start.
        try FileManager.default.createDirectory(atPath: directory.path("logs"), withIntermediateDirectories: true)
        let run = try keywatch(["run", "--check", "--config", directory.path("keywatch.yaml")], in: directory.url)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("keywatch run: \(db) is damaged: SQLite's integrity check found 'row"), "\(run.stderr)")
        #expect(run.stderr.contains("missing from index event_rows_by_principal"), "\(run.stderr)")
        #expect(run.stderr.contains("sqlite3 \(db) REINDEX"), "\(run.stderr)")
    }

    @Test("run --skip-check starts without reading the store; --check and --skip-check together are a usage error")
    func skipCheck() throws {
        let directory = TemporaryDirectory()
        try ingestSamples(into: directory.path("k.db"))
        for (arguments, checked) in [([String](), true), (["--skip-check"], false)] {
            let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration(), extraArguments: arguments)
            #expect(DaemonProcess.wait(seconds: 30) { daemon.stderr.contains("keywatch started") }, "\(daemon.stderr)")
            #expect(daemon.stderr.contains("store checked") == checked, "\(arguments): \(daemon.stderr)")
            #expect(daemon.terminate().status == 0)
        }
        try directory.write("keywatch.yaml", DaemonProcess.configuration())
        let both = try keywatch(["run", "--check", "--skip-check", "--config", directory.path("keywatch.yaml")], in: directory.url)
        #expect(both.status == 2)
        #expect(both.stderr.contains("--check and --skip-check cannot be given together"), "\(both.stderr)")
    }

    @Test("a disk that fills under the daemon: it stops with status 1 and says the disk is full, and where",
          .enabled(if: MountNamespace.isAvailable, "needs a mount namespace (unshare) for the small tmpfs"))
    func fullDisk() throws {
        let directory = TemporaryDirectory()
        let store = directory.path("store")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        // About 9 MB of log for a 3 MiB disk.
        try directory.write("logs/PT1H.json", SyntheticLogs.keyVaultLines(0..<30_000))
        let file = try directory.write("keywatch.yaml", configuration(db: "\(store)/k.db", logs: directory.path("logs")))
        let daemon = try MountNamespace.start(
            "mount -t tmpfs -o size=3m tmpfs \(MountNamespace.quote(store)) && exec \(MountNamespace.quote(keywatchBinary.path)) run --config \(MountNamespace.quote(file))",
            output: directory.path("stderr.txt"))
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let exited = DaemonProcess.wait(seconds: 120) { !daemon.isRunning }
        let stderr = (try? String(contentsOfFile: directory.path("stderr.txt"), encoding: .utf8)) ?? ""
        #expect(exited, "the daemon went on with a full disk: \(stderr)")
        guard exited else { return }
        #expect(daemon.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains("the disk is full: SQLite could not write \(store)/k.db"), "\(stderr)")
        #expect(stderr.contains("Free space on the file system of \(store)"), "\(stderr)")
    }

    @Test("a read-only directory: the daemon, ingest and query say which directory, and why it must be writable",
          .enabled(if: MountNamespace.isAvailable, "needs a mount namespace (unshare) for the read-only bind mount"))
    func readOnlyDirectory() throws {
        let directory = TemporaryDirectory()
        let store = directory.path("store")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.path("logs"), withIntermediateDirectories: true)
        try ingestSamples(into: "\(store)/k.db")
        try ingestSamples(into: "\(store)/held.db")
        // Held open here, held.db keeps its -wal and -shm files, as when a daemon was killed:
        // SQLite then opens the file after all, read-only, and used to fail at the first write
        // ("attempt to write a readonly database").
        let held = try SQLiteConnection(path: "\(store)/held.db")
        #expect(try held.scalar("SELECT count(*) FROM event_rows") == 111)
        #expect(FileManager.default.fileExists(atPath: "\(store)/held.db-shm"))
        let file = try directory.write("keywatch.yaml", configuration(db: "\(store)/k.db", logs: directory.path("logs")))
        let binary = MountNamespace.quote(keywatchBinary.path)
        let script = """
            mount --bind \(MountNamespace.quote(store)) \(MountNamespace.quote(store)) && \\
            mount -o remount,bind,ro \(MountNamespace.quote(store)) || exit 99
            echo "# run k.db"; \(binary) run --config \(MountNamespace.quote(file)); echo "status $?"
            echo "# ingest held.db"; \(binary) ingest --no-detect --db \(MountNamespace.quote(store + "/held.db")) \(MountNamespace.quote(samples)); echo "status $?"
            echo "# query k.db"; \(binary) query --db \(MountNamespace.quote(store + "/k.db")); echo "status $?"
            """
        let process = try MountNamespace.start(script, output: directory.path("out.txt"))
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(DaemonProcess.wait(seconds: 60) { !process.isRunning })
        let output = (try? String(contentsOfFile: directory.path("out.txt"), encoding: .utf8)) ?? ""
        let sections = output.components(separatedBy: "# ").filter { !$0.isEmpty }
        #expect(sections.count == 3, "\(output)")
        for section in sections {
            #expect(section.contains("the directory \(store) is on a read-only file system, and keywatch needs to create"), "\(section)")
            #expect(section.hasSuffix("status 2\n"), "\(section)")
        }
        _ = held
    }
}
