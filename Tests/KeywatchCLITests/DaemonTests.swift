import Foundation
import Testing
import KeywatchTestSupport

/// `keywatch run` as a process: killed while logs are appended, stopped with SIGTERM, queried while it writes.
@Suite("Daemon", .serialized)
struct DaemonTests {
    /// Appends records to a growing file in uneven writes — lines cut in two, pauses between the
    /// halves — from another thread, as a log shipper would.
    final class Appender: @unchecked Sendable {
        let path: String
        private let lock = NSLock()
        private var next = 0
        private var stopping = false
        private let finished = DispatchSemaphore(value: 0)

        init(path: String) { self.path = path }

        var written: Int { lock.withLock { next } }

        func start(lines perWrite: Int = 40) {
            lock.withLock { stopping = false }
            let thread = Thread { [self] in
                let handle = FileHandle(forWritingAtPath: path)!
                handle.seekToEndOfFile()
                while !lock.withLock({ stopping }) {
                    let first = lock.withLock { next }
                    let text = SyntheticLogs.keyVaultLines(first..<(first + perWrite))
                    let cut = text.utf8.count / 2 + 17  // inside a line
                    let bytes = Array(text.utf8)
                    handle.write(Data(bytes[..<cut]))
                    usleep(3_000)
                    handle.write(Data(bytes[cut...]))
                    lock.withLock { next += perWrite }
                    usleep(7_000)
                }
                try? handle.close()
                finished.signal()
            }
            thread.start()
        }

        func stop() {
            lock.withLock { stopping = true }
            finished.wait()
        }
    }

    @Test("SIGKILL while a file is appended to, five times, then a restart: every record stored exactly once")
    func killDuringAppends() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("logs/PT1H.json")
        try FileManager.default.createDirectory(atPath: directory.path("logs"), withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let appender = Appender(path: path)
        appender.start()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration())
            // Long enough to have committed something, at an instant that falls anywhere.
            usleep(UInt32.random(in: 700_000...1_600_000, using: &generator))
            daemon.kill()
        }
        appender.stop()
        let written = appender.written
        let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration())
        let caughtUp = DaemonProcess.wait(seconds: 60) { try daemon.count("SELECT count(*) FROM event_rows") >= Int64(written) }
        let stopped = daemon.terminate()
        #expect(caughtUp, "\(daemon.stderr)")
        #expect(stopped.status == 0)
        #expect(try daemon.count("SELECT count(*) FROM event_rows") == Int64(written))
        #expect(try daemon.count("SELECT count(DISTINCT request_id) FROM event_rows") == Int64(written))
        #expect(try daemon.count("SELECT count(*) FROM rejects") == 0, "no line was cut by a crash")
        #expect(written > 500)
    }

    @Test("SIGTERM: the daemon commits, saves detection's state and exits 0 within 10 s; alerts are printed once")
    func cleanShutdown() throws {
        let directory = TemporaryDirectory()
        let samples = repositoryRoot.appendingPathComponent("sample-logs").path
        let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration())
        try FileManager.default.removeItem(atPath: daemon.logs)
        try FileManager.default.copyItem(atPath: samples, toPath: daemon.logs)
        let seen = DaemonProcess.wait(seconds: 30) { try daemon.count("SELECT count(*) FROM event_rows") == 111 }
        #expect(seen, "\(daemon.stderr)")
        #expect(DaemonProcess.wait(seconds: 10) { daemon.stdout.split(separator: "\n").count >= 20 })
        let stopped = daemon.terminate()
        #expect(stopped.status == 0, "\(daemon.stderr)")
        #expect(stopped.seconds < 10)
        #expect(try daemon.count("SELECT count(*) FROM detection_state") == 1)
        let first = daemon.stdout.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(first.count == (try daemon.count("SELECT count(*) FROM alerts")))

        // A restart over the same files raises nothing again.
        let again = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration())
        usleep(2_000_000)
        #expect(again.terminate().status == 0)
        let lines = again.stdout.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.allSatisfy { $0.contains("log-source-silent") }, "only absence alerts on the wall clock may be new")
    }

    @Test("queries run against the live store while the daemon writes, and no commit fails")
    func queriesDuringIngest() throws {
        let directory = TemporaryDirectory()
        let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration())
        let path = directory.path("logs/PT1H.json")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let appender = Appender(path: path)
        appender.start(lines: 400)
        #expect(DaemonProcess.wait(seconds: 30) { try daemon.count("SELECT count(*) FROM event_rows") > 0 }, "\(daemon.stderr)")
        var failures: [String] = []
        for _ in 0..<15 {
            let run = try keywatch(["query", "--db", daemon.db, "--sql", "SELECT count(*) FROM events"])
            if run.status != 0 { failures.append(run.stderr) }
            let filtered = try keywatch(["query", "--db", daemon.db, "--principal", "11111111-2222-4333-8444-555555555555",
                                         "--limit", "5", "--format", "json"])
            if filtered.status != 0 { failures.append(filtered.stderr) }
        }
        appender.stop()
        let written = appender.written
        #expect(DaemonProcess.wait(seconds: 60) { try daemon.count("SELECT count(*) FROM event_rows") == Int64(written) },
                "\(written) written; \(daemon.stderr)")
        #expect(daemon.terminate().status == 0, "\(daemon.stderr)")
        #expect(failures.isEmpty, "\(failures)")
        #expect(!daemon.stderr.contains("cannot commit"), "\(daemon.stderr)")
    }

    @Test("a bad configuration names the file, line and key, and exits 2")
    func badConfiguration() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("bad.yaml", "db: ./k.db\nhttp:\n  listen: nowhere\n")
        let run = try keywatch(["run", "--config", path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.yaml:3: http.listen: expected host:port"), "\(run.stderr)")
    }
}
