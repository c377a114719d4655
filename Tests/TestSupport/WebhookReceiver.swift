import Foundation

/// A real HTTP receiver for webhooks (`Tests/Fixtures/webhook-receiver.py`), in a process of
/// its own so that it answers however busy the test process is. It records every request and
/// answers as the test scripts: fail, refuse, throttle, or never answer.
public final class WebhookReceiver {
    /// A request as received, with the status it was answered with (0: left hanging).
    public struct Request: Sendable {
        public var headers: [String: String]
        public var body: [UInt8]
        public var received: Date
        public var answered: Int
    }

    private let directory = TemporaryDirectory()
    private let process: FixtureProcess
    public let port: Int

    /// Starts listening. Each reply answers the attempt at its position among requests with the
    /// same `webhook-id`, the last one repeating: `500`, `204`, `429:retry-after=2`,
    /// `400:body=unknown channel`, `hang:30`. While `gate` is closed every answer is 500.
    public init(_ replies: [String], gate: Gate? = nil) throws {
        process = try FixtureProcess(
            script: "webhook-receiver.py",
            arguments: ["--log", directory.path("requests.jsonl")] + (gate.map { ["--gate", $0.path] } ?? []) + replies)
        let line = process.firstLine
        guard line.hasPrefix("READY "), let port = Int(line.dropFirst(6).prefix { $0.isNumber }) else {
            throw ReceiverError(description: "the webhook receiver did not start: \(line)")
        }
        self.port = port
    }

    /// The URL to configure.
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Every request so far, in order of arrival.
    public var requests: [Request] {
        guard let text = try? String(contentsOfFile: directory.path("requests.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Request(headers: object["headers"] as? [String: String] ?? [:],
                           body: Array(Data(base64Encoded: object["body"] as? String ?? "") ?? Data()),
                           received: Date(timeIntervalSince1970: object["received"] as? Double ?? 0),
                           answered: object["answered"] as? Int ?? -1)
        }
    }

    /// Waits until `condition` holds for the requests, or `seconds` pass; returns whether it held.
    public func wait(seconds: Double, until condition: ([Request]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(requests) { return true }
            usleep(50_000)
        }
        return condition(requests)
    }

    /// A file whose existence opens the gate.
    public final class Gate {
        let path: String
        private let directory = TemporaryDirectory()

        public init() { path = directory.path("open") }

        /// Opens the gate; false if its file could not be made.
        @discardableResult
        public func open() -> Bool { FileManager.default.createFile(atPath: path, contents: nil) }
    }

    struct ReceiverError: Error, CustomStringConvertible {
        var description: String
    }
}
