import Foundation
import Testing
import KeywatchTestSupport

/// `POST /v1/events` against a running daemon, with a real HTTP client.
@Suite("HTTP push", .serialized)
struct PushTests {
    static let token = "s3cret-token-for-tests"

    func withDaemon(_ body: (String, DaemonProcess) async throws -> Void) async throws {
        let directory = TemporaryDirectory()
        let configuration = DaemonProcess.configuration(port: freePort(), extraHTTP: ", token_env: KW_TEST_TOKEN, max_body: 1MiB")
        let daemon = try DaemonProcess(in: directory, configuration: configuration, environment: ["KW_TEST_TOKEN": Self.token])
        let port = try #require(daemon.listeningPort(), "\(daemon.stderr)")
        try await body("http://127.0.0.1:\(port)", daemon)
        #expect(daemon.terminate().status == 0)
        #expect(!daemon.stderr.contains(Self.token), "the token is never logged")
    }

    var auth: [String: String] { ["Authorization": "Bearer \(Self.token)"] }

    @Test("202 after commit with counts; a retried Idempotency-Key counts once; gzip bodies")
    func accepted() async throws {
        try await withDaemon { base, daemon in
            let body = Array(SyntheticLogs.keyVaultLines(0..<20).utf8)
            let headers = auth.merging(["Idempotency-Key": "batch-1"]) { $1 }
            let first = try await http("POST", "\(base)/v1/events", body: body, headers: headers)
            #expect(first.status == 202, "\(first.body)")
            #expect(first.json["accepted"] as? Int == 20)
            #expect(try daemon.count("SELECT count(*) FROM event_rows") == 20, "committed before the answer")
            let retry = try await http("POST", "\(base)/v1/events", body: body, headers: headers)
            #expect(retry.status == 202)
            #expect(retry.json["accepted"] as? Int == 20, "the first answer, again")
            #expect(try daemon.count("SELECT count(*) FROM event_rows") == 20)
            #expect(try daemon.count("SELECT count(*) FROM http_requests") == 1)

            let gzipped = try await http("POST", "\(base)/v1/events", body: gzipBytes(Array(SyntheticLogs.keyVaultLines(20..<30).utf8)),
                                         headers: auth.merging(["Content-Encoding": "gzip"]) { $1 })
            #expect(gzipped.status == 202, "\(gzipped.body)")
            #expect(gzipped.json["accepted"] as? Int == 10)

            let mixed = try await http("POST", "\(base)/v1/events", body: Array((SyntheticLogs.keyVaultLines(30..<31) + "{broken\n").utf8),
                                       headers: auth)
            #expect(mixed.status == 202)
            #expect(mixed.json["rejected"] as? Int == 1)
            #expect((mixed.json["errors"] as? [String])?.count == 1)

            let health = try await http("GET", "\(base)/healthz")
            #expect(health.status == 200)
            let metrics = try await http("GET", "\(base)/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("keywatch_events_total{source=\"azure.keyvault\",outcome=\"success\"} 31"), "\(metrics.body)")
            #expect(metrics.body.contains("keywatch_http_requests_total{status=\"202\"} 4"))
        }
    }

    @Test("400 nothing parseable, 401 missing or wrong token, 413 over the limit (declared, streamed, or a gzip bomb), 415 unknown encoding")
    func refusals() async throws {
        try await withDaemon { base, daemon in
            let good = Array(SyntheticLogs.keyVaultLines(0..<2).utf8)
            #expect(try await http("POST", "\(base)/v1/events", body: good).status == 401)
            #expect(try await http("POST", "\(base)/v1/events", body: good, headers: ["Authorization": "Bearer wrong"]).status == 401)
            #expect(try await http("POST", "\(base)/v1/events", body: good, headers: ["Authorization": "Basic \(Self.token)"]).status == 401)

            let garbage = try await http("POST", "\(base)/v1/events", body: Array("not json at all\n".utf8), headers: auth)
            #expect(garbage.status == 400, "\(garbage.body)")
            #expect(try await http("POST", "\(base)/v1/events", body: [], headers: auth).status == 400)

            let brotli = try await http("POST", "\(base)/v1/events", body: good, headers: auth.merging(["Content-Encoding": "br"]) { $1 })
            #expect(brotli.status == 415)

            let big = [UInt8](repeating: 0x20, count: (1 << 20) + 10)
            #expect(try await http("POST", "\(base)/v1/events", body: big, headers: auth).status == 413)
            // Small on the wire, a gigabyte inflated: refused while inflating.
            var bomb = Array("[".utf8)
            bomb += [UInt8](repeating: 0x20, count: 64 << 20)
            let compressed = gzipBytes(bomb)
            #expect(compressed.count < 1 << 20)
            let refused = try await http("POST", "\(base)/v1/events", body: compressed, headers: auth.merging(["Content-Encoding": "gzip"]) { $1 })
            #expect(refused.status == 413)
            let truncated = try await http("POST", "\(base)/v1/events", body: Array(gzipBytes(good).dropLast(10)),
                                           headers: auth.merging(["Content-Encoding": "gzip"]) { $1 })
            #expect(truncated.status == 400)
            #expect(try daemon.count("SELECT count(*) FROM event_rows") == 0)
            // The daemon still takes good pushes.
            #expect(try await http("POST", "\(base)/v1/events", body: good, headers: auth).status == 202)
        }
    }

    @Test("413 on the bytes that arrive, not on what the headers say: a chunked body with no length, and a declared one")
    func sizeLimitWhileReading() throws {
        let directory = TemporaryDirectory()
        let configuration = DaemonProcess.configuration(port: freePort(), extraHTTP: ", max_body: 64KiB")
        let daemon = try DaemonProcess(in: directory, configuration: configuration)
        let port = try #require(daemon.listeningPort(), "\(daemon.stderr)")
        let chunk = String(repeating: " ", count: 100_000)
        let chunked = "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n0\r\n\r\n"
        let streamed = try rawHTTP(port: port, request: chunked)
        #expect(streamed.hasPrefix("HTTP/1.1 413"), "\(streamed)")
        let declared = try rawHTTP(port: port, request: "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n  ")
        #expect(declared.hasPrefix("HTTP/1.1 413"), "\(declared)")
        #expect(daemon.terminate().status == 0)
    }
}

/// Sends `request` on a raw socket and returns what comes back first.
func rawHTTP(port: Int, request: String) throws -> String {
    guard let client = ClientSocket(port: port) else { return "connect failed" }
    client.send(request)
    return client.firstReply(waitingUpTo: 10)
}

/// `bytes` gzipped by the system's gzip.
func gzipBytes(_ bytes: [UInt8]) -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-c", "-1"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try! process.run()
    let writer = Thread {
        input.fileHandleForWriting.write(Data(bytes))
        try? input.fileHandleForWriting.close()
    }
    writer.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Array(data)
}
