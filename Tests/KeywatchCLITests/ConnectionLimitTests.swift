import Foundation
import Testing
import KeywatchTestSupport

/// Clients that connect and hold connections — idle, sending a head a byte at a time, or
/// refused and never closing — against a running daemon: they cannot take its file descriptors,
/// and the server closes them.
@Suite("HTTP connection limits", .serialized)
struct ConnectionLimitTests {
    static let token = "s3cret-token-for-tests"
    var auth: [String: String] { ["Authorization": "Bearer \(Self.token)"] }

    func start(_ directory: TemporaryDirectory, extraHTTP: String = "", openFileLimit: Int? = nil) throws -> (DaemonProcess, Int) {
        let configuration = DaemonProcess.configuration(port: freePort(), extraHTTP: ", token_env: KW_TEST_TOKEN\(extraHTTP)")
        let daemon = try DaemonProcess(in: directory, configuration: configuration, environment: ["KW_TEST_TOKEN": Self.token],
                                       openFileLimit: openFileLimit)
        return (daemon, try #require(daemon.listeningPort(), "\(daemon.stderr)"))
    }

    @Test("1,100 idle connections and 50 slowloris heads under the default open-file limit (1024): pushes and tailing go on, the daemon's descriptors stay bounded, and every connection is closed")
    func idleConnectionsDoNotStarveTheDaemon() async throws {
        // This process holds the 1,150 client ends.
        var files = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &files)
        try #require(files.rlim_max >= 2048, "the test needs 2048 open files; the hard limit is \(files.rlim_max)")
        if files.rlim_cur < 2048 {
            files.rlim_cur = 2048
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &files)
        }
        let directory = TemporaryDirectory()
        let (daemon, port) = try start(directory, openFileLimit: 1024)
        let idle = (0..<1100).compactMap { _ in ClientSocket(port: port) }
        let slow = (0..<50).compactMap { _ in ClientSocket(port: port) }
        for client in slow { client.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Le") }
        #expect(idle.count + slow.count >= 1000, "the flood connected")

        let pushed = try await http("POST", "http://127.0.0.1:\(port)/v1/events", body: Array(SyntheticLogs.keyVaultLines(0..<3).utf8),
                                    headers: auth)
        #expect(pushed.status == 202, "a push gets through while the flood holds its connections")
        try directory.write("logs/after-the-flood.json", SyntheticLogs.keyVaultLines(100..<105))
        #expect(DaemonProcess.wait(seconds: 30) { try daemon.count("SELECT count(*) FROM event_rows") == 8 },
                "tailing goes on: \(daemon.stderr.suffix(2000))")
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.process.processIdentifier)/fd").count) ?? 0
        #expect(descriptors > 0 && descriptors < 600, "the daemon holds \(descriptors) descriptors")

        // The connections past the limit are closed at once, the others once the header timeout (10 s) has passed.
        let allClosed = DaemonProcess.wait(seconds: 60) {
            for client in slow { client.send("X") }  // one more byte of a head that never ends
            return (idle + slow).allSatisfy { $0.poll() }
        }
        #expect(allClosed, "\((idle + slow).filter { !$0.closedByServer }.count) connections still open")
        #expect(try await metric(port, "keywatch_http_connections_dropped_total{reason=\"evicted\"}") ?? 0 > 0)
        #expect(try await metric(port, "keywatch_http_connections_dropped_total{reason=\"header_timeout\"}") ?? 0 > 0)
        #expect(daemon.stderr.contains("within http.header_timeout") && daemon.stderr.contains("idle longest"), "logged")
        #expect(daemon.terminate().status == 0)
    }

    @Test("An unauthenticated push is answered 401 with Connection: close and the server closes the connection, even while its body still arrives")
    func refusedConnectionsAreClosed() throws {
        let directory = TemporaryDirectory()
        let (daemon, port) = try start(directory)
        for bodySize in [20, 4 << 20] {
            let client = try #require(ClientSocket(port: port))
            client.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: \(bodySize)\r\n\r\n")
            let chunk = String(repeating: " ", count: 64 << 10)
            var sent = 0
            while sent < bodySize && client.send(String(chunk.prefix(bodySize - sent))) { sent += min(chunk.count, bodySize - sent) }
            #expect(DaemonProcess.wait(seconds: 20) { client.poll() }, "the connection is closed after the answer: \(client.text)")
            #expect(client.text.hasPrefix("HTTP/1.1 401"), "\(client.text)")
            #expect(client.text.lowercased().contains("connection: close"), "\(client.text)")
        }
        #expect(daemon.terminate().status == 0)
    }

    @Test("At max_connections the connection idle longest is closed to admit a new one; busy ones are kept")
    func idleConnectionsMakeRoom() async throws {
        let directory = TemporaryDirectory()
        let (daemon, port) = try start(directory, extraHTTP: ", max_connections: 2")
        let health = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        // Two kept-alive connections, each answered once, then idle: first, then second.
        let first = try #require(ClientSocket(port: port))
        first.send(health)
        #expect(DaemonProcess.wait(seconds: 10) { first.poll(); return first.text.hasSuffix("ok\n") })
        let second = try #require(ClientSocket(port: port))
        second.send(health)
        #expect(DaemonProcess.wait(seconds: 10) { second.poll(); return second.text.hasSuffix("ok\n") })

        let pushed = try await http("POST", "http://127.0.0.1:\(port)/v1/events", body: Array(SyntheticLogs.keyVaultLines(0..<2).utf8),
                                    headers: auth)
        #expect(pushed.status == 202)
        #expect(DaemonProcess.wait(seconds: 10) { first.poll() }, "the connection idle longest made room")
        #expect(!second.poll(), "the other idle connection stays")
        #expect(try await metric(port, "keywatch_http_connections_dropped_total{reason=\"evicted\"}") ?? 0 >= 1)
        #expect(daemon.terminate().status == 0)
    }

    @Test("Connections lingering after a refusal are the first to make room at max_connections")
    func refusedConnectionsMakeRoomFirst() async throws {
        let directory = TemporaryDirectory()
        let (daemon, port) = try start(directory, extraHTTP: ", max_connections: 2")
        // Refused, and still sending: each lingers up to 2 s for the client to finish.
        let refused = try (0..<2).map { _ in try #require(ClientSocket(port: port)) }
        for client in refused { client.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{") }
        #expect(DaemonProcess.wait(seconds: 10) { refused.allSatisfy { $0.poll(); return $0.text.contains("401") } })
        let pushed = try await http("POST", "http://127.0.0.1:\(port)/v1/events", body: Array(SyntheticLogs.keyVaultLines(0..<2).utf8),
                                    headers: auth)
        #expect(pushed.status == 202)
        #expect(daemon.terminate().status == 0)
    }

    @Test("A request head that does not arrive whole within header_timeout closes its connection: a new connection's first, or a later one's on a kept-alive connection")
    func slowHeadsAreClosed() async throws {
        let directory = TemporaryDirectory()
        let (daemon, port) = try start(directory, extraHTTP: ", header_timeout: 1s, idle_timeout: 30s")
        let silent = try #require(ClientSocket(port: port))
        let trickling = try #require(ClientSocket(port: port))
        trickling.send("POST /v1/events HTTP/1.1\r\nHost: x\r\n")
        let keptAlive = try #require(ClientSocket(port: port))
        keptAlive.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(DaemonProcess.wait(seconds: 10) { keptAlive.poll(); return keptAlive.text.hasSuffix("ok\n") })
        keptAlive.send("GET /healthz HTTP/1.1\r\nHo")
        let closed = DaemonProcess.wait(seconds: 20) {
            trickling.send("X")  // a byte at a time, faster than any idle timeout
            keptAlive.send("X")
            return silent.poll() && trickling.poll() && keptAlive.poll()
        }
        #expect(closed, "silent \(silent.closedByServer), trickling \(trickling.closedByServer), kept alive \(keptAlive.closedByServer)")
        #expect(try await metric(port, "keywatch_http_connections_dropped_total{reason=\"header_timeout\"}") == 3)
        // An idle kept-alive connection is not a late head: it stays until idle_timeout.
        let idle = try #require(ClientSocket(port: port))
        idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(DaemonProcess.wait(seconds: 10) { idle.poll(); return idle.text.hasSuffix("ok\n") })
        try await Task.sleep(for: .milliseconds(2500))
        #expect(!idle.poll(), "idle between requests for longer than header_timeout, and still open")
        #expect(daemon.terminate().status == 0)
    }
}
