import Foundation
import Testing
import KeywatchTestSupport

/// A tailed file the daemon may not read, as `keywatch run` sees it.
@Suite("Unreadable tailed files", .serialized)
struct UnreadableFileTests {
    /// Root reads any file whatever its mode, so as root the daemon runs without the capabilities
    /// that let it (`CAP_DAC_OVERRIDE`, `CAP_DAC_READ_SEARCH`): permissions then deny it as they
    /// would any other user. Nil when that is needed and `setpriv` is missing.
    static let launcher: [String]? = {
        guard geteuid() == 0 else { return [] }
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else { return nil }
        return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search", "--"]
    }()

    @Test("a file or directory that cannot be read is logged once and counted in /metrics; once it can be, it is read",
          .enabled(if: launcher != nil, "as root, permissions can only deny reads with setpriv"))
    func unreadableFileIsReportedThenRead() async throws {
        let directory = TemporaryDirectory()
        let port = freePort()
        let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration(port: port),
                                       launcher: Self.launcher ?? [])
        #expect(daemon.listeningPort() == port, "\(daemon.stderr)")
        try directory.write("logs/good.json", SyntheticLogs.keyVaultLines(0..<3))
        // Created without any permission, so the daemon never sees it readable.
        let secret = directory.path("logs/secret.json")
        let descriptor = open(secret, O_CREAT | O_WRONLY | O_EXCL, 0)
        #expect(descriptor >= 0)
        let text = Array(SyntheticLogs.keyVaultLines(3..<7).utf8)
        #expect(write(descriptor, text, text.count) == text.count)
        close(descriptor)
        let locked = directory.path("logs/locked")
        #expect(mkdir(locked, 0) == 0)
        try directory.write("logs/locked/inner.json", SyntheticLogs.keyVaultLines(7..<9))

        let metrics = "http://127.0.0.1:\(port)/metrics"
        var counted = false
        for _ in 0..<600 where !counted {
            let body = try await http("GET", metrics).body
            counted = body.contains(#"keywatch_tail_unreadable{kind="file"} 1"#)
                && body.contains(#"keywatch_tail_unreadable{kind="directory"} 1"#)
            if !counted { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(counted, "\(daemon.stderr)")
        #expect(try daemon.count("SELECT count(*) FROM event_rows") == 3)
        #expect(daemon.stderr.contains("Permission denied"), "\(daemon.stderr)")

        chmod(secret, 0o644)
        chmod(locked, 0o755)
        let read = DaemonProcess.wait(seconds: 60) { try daemon.count("SELECT count(*) FROM event_rows") == 9 }
        #expect(read, "\(daemon.stderr)")
        let body = try await http("GET", metrics).body
        #expect(body.contains(#"keywatch_tail_unreadable{kind="file"} 0"#) && body.contains(#"keywatch_tail_unreadable{kind="directory"} 0"#))
        let lines = daemon.stderr.split(separator: "\n").filter { $0.contains("secret.json") }
        #expect(lines.filter { $0.contains("cannot read a tailed file") }.count == 1, "logged once: \(lines)")
        #expect(lines.filter { $0.contains("readable again") }.count == 1, "\(lines)")
        let directoryLines = daemon.stderr.split(separator: "\n").filter { $0.contains("path=./logs/locked ") }
        #expect(directoryLines.filter { $0.contains("cannot read a tailed directory") }.count == 1, "\(directoryLines)")
        #expect(directoryLines.filter { $0.contains("readable again") }.count == 1, "\(directoryLines)")
        #expect(daemon.terminate().status == 0, "\(daemon.stderr)")
    }
}
