import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KeywatchStore
import KeywatchTestSupport

/// A `keywatch run` process in a directory of its own: its configuration, logs folder and store.
final class DaemonProcess {
    let directory: TemporaryDirectory
    let process = Process()
    var logs: String { directory.path("logs") }
    var db: String { directory.path("k.db") }
    var stdoutPath: String { directory.path("stdout.txt") }
    var stderrPath: String { directory.path("stderr.txt") }

    /// Starts the daemon with `configuration` (YAML, written to the directory), through `launcher`
    /// (a command that runs the one after it) if given, with at most `openFileLimit` open files when
    /// given (as `ulimit -n` sets), and `extraArguments` after `run --config …`.
    init(in directory: TemporaryDirectory, configuration: String, environment: [String: String] = [:],
         launcher: [String] = [], openFileLimit: Int? = nil, extraArguments: [String] = []) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory.path("logs"), withIntermediateDirectories: true)
        try directory.write("keywatch.yaml", configuration)
        try directory.write("stdout.txt", "")
        try directory.write("stderr.txt", "")
        var command = launcher + [keywatchBinary.path, "run", "--config", directory.path("keywatch.yaml")] + extraArguments
        if let openFileLimit {
            // The shell sets the limit and becomes keywatch: the process is still the daemon's.
            command = ["/bin/sh", "-c", "ulimit -n \(openFileLimit) && exec \"$0\" \"$@\""] + command
        }
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = directory.url
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path("stdout.txt")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path("stderr.txt")))
        try process.run()
    }

    /// The configuration the tests use: the logs folder, the repository's rules, an HTTP port or none.
    static func configuration(port: Int? = nil, extraHTTP: String = "", include: String = "") -> String {
        """
        db: ./k.db
        rules: \(repositoryRoot.appendingPathComponent("rules").path)
        tail:
          - path: ./logs
        \(include.isEmpty ? "" : "    include: [\"\(include)\"]")
        http: \(port.map { "{listen: \"127.0.0.1:\($0)\"\(extraHTTP)}" } ?? "off")
        sinks:
          - stdout: {format: json}
        """
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    /// Waits until `condition` holds, up to `seconds`; returns whether it did.
    @discardableResult
    static func wait(seconds: Double, for condition: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            usleep(50_000)
        }
        return (try? condition()) == true
    }

    /// The port the daemon says it listens on, once it does.
    func listeningPort(seconds: Double = 30) -> Int? {
        var port: Int?
        Self.wait(seconds: seconds) {
            guard let range = stderr.range(of: "address=127.0.0.1:") else { return false }
            port = Int(stderr[range.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        return port
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends SIGTERM; returns the exit status and the seconds it took.
    func terminate() -> (status: Int32, seconds: Double) {
        let started = Date()
        process.terminate()
        process.waitUntilExit()
        return (process.terminationStatus, Date().timeIntervalSince(started))
    }

    deinit {
        if process.isRunning { kill() }
    }

    func count(_ sql: String) throws -> Int64 {
        try SQLiteConnection(path: db, readOnly: true).scalar(sql) ?? -1
    }
}

/// The value of a sample of the daemon's /metrics (`name{labels}` as exposed), nil when absent.
func metric(_ port: Int, _ sample: String) async throws -> Double? {
    let body = try await http("GET", "http://127.0.0.1:\(port)/metrics").body
    guard let line = body.split(separator: "\n").first(where: { $0.hasPrefix(sample + " ") }) else { return nil }
    return Double(line.dropFirst(sample.count + 1))
}

/// An HTTP exchange with a real client.
struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:] }
}

func http(_ method: String, _ url: String, body: [UInt8]? = nil, headers: [String: String] = [:]) async throws -> HTTPReply {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    request.timeoutInterval = 30
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    if let body { request.httpBody = Data(body) }
    let (data, response) = try await URLSession.shared.data(for: request)
    let reply = response as! HTTPURLResponse
    var fields: [String: String] = [:]
    for (name, value) in reply.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
    return HTTPReply(status: reply.statusCode, headers: fields, body: String(decoding: data, as: UTF8.self))
}
