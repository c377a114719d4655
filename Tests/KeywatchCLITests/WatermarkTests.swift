import Foundation
import KeywatchTestSupport
import Testing

/// The daemon's clock follows its inputs' watermarks: old logs just delivered are judged by their
/// own time, and how far each input has come is in /metrics and survives a restart.
@Suite("Input watermarks in the daemon")
struct WatermarkTests {
    @Test("old logs read to their end: the tail input is caught up and its watermark is their newest event, not today's clock")
    func oldLogsAreJudgedByTheirOwnTime() async throws {
        let directory = TemporaryDirectory()
        let port = freePort()
        let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration(port: port))
        try FileManager.default.removeItem(atPath: daemon.logs)
        try FileManager.default.copyItem(atPath: repositoryRoot.appendingPathComponent("sample-logs").path, toPath: daemon.logs)
        #expect(DaemonProcess.wait(seconds: 30) { try daemon.count("SELECT count(*) FROM event_rows") == 111 }, "\(daemon.stderr)")
        // The newest sample event is at 2026-11-20T09:48:51.57Z; the samples were delivered just now.
        let newest = Double(Date(timeIntervalSince1970: 1_795_168_131.572).timeIntervalSince1970)
        var caughtUp: Double?
        for _ in 0..<300 where caughtUp != 1 {
            caughtUp = try await metric(port, "keywatch_input_caught_up{input=\"tail:./logs\"}")
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(caughtUp == 1)
        // The clock first: an idle input's watermark moves on at wall speed, so one read before
        // the clock could be behind it by the moment between the two reads.
        let clock = try await metric(port, "keywatch_detection_clock_seconds")
        let tail = try await metric(port, "keywatch_input_watermark_seconds{input=\"tail:./logs\"}")
        #expect(try await metric(port, "keywatch_input_caught_up{input=\"push\"}") == 1)
        #expect(try await metric(port, "keywatch_input_watermark_seconds{input=\"push\"}") == nil, "no push yet: no watermark")
        // Idle since a moment ago: at most the seconds this test has run past the newest event.
        #expect(tail.map { $0 >= newest && $0 < newest + 120 } == true, "\(String(describing: tail))")
        #expect(clock.map { $0 <= (tail ?? 0) } == true, "\(String(describing: clock))")
        #expect(daemon.terminate().status == 0)
        #expect(!daemon.stdout.contains("log-source-silent"), "weeks-old samples are not silent by today's clock")
        #expect(try daemon.count("SELECT count(*) FROM input_progress WHERE input = 'tail:./logs' AND newest = 1795168131572129") == 1)
    }
}
