import Foundation
import Testing
import KeywatchTestSupport

/// `Idempotency-Key` (and Firehose's `X-Amz-Firehose-Request-Id`) against a running daemon:
/// a retry is answered with the first answer, the same key with another body is refused and
/// stores nothing, keys of any length are told apart, and an empty key is no key.
extension PushTests {
    func headers(_ key: String, header: String = "Idempotency-Key") -> [String: String] {
        ["Authorization": "Bearer \(Self.token)", header: key]
    }

    func records(_ range: Range<Int>) -> [UInt8] { Array(SyntheticLogs.keyVaultLines(range).utf8) }

    @Test("The same key with another body is 409 and stores nothing; a retry, plain or gzipped, is the first answer with \"replayed\": true")
    func sameKeyOtherBody() async throws {
        try await withDaemon { base, daemon in
            let url = "\(base)/v1/events"
            let first = try await http("POST", url, body: records(0..<5), headers: headers("batch-1"))
            #expect(first.status == 202)
            #expect(first.json["accepted"] as? Int == 5)
            #expect(first.json["replayed"] == nil)

            let other = try await http("POST", url, body: records(100..<103), headers: headers("batch-1"))
            #expect(other.status == 409, "\(other.body)")
            #expect((other.json["error"] as? String)?.contains("different body") == true, "\(other.body)")
            #expect(try daemon.count("SELECT count(*) FROM event_rows") == 5, "the other body is not stored")
            #expect(DaemonProcess.wait(seconds: 10) { daemon.stderr.contains("came with a different body before (409)") }, "and logged")

            for body in [records(0..<5), gzipBytes(records(0..<5))] {
                let gzip = body.first == 0x1F
                let retry = try await http("POST", url, body: body,
                                           headers: headers("batch-1").merging(gzip ? ["Content-Encoding": "gzip"] : [:]) { $1 })
                #expect(retry.status == 202, "\(retry.body)")
                #expect(retry.json["accepted"] as? Int == 5, "the first answer's counts")
                #expect(retry.json["duplicates"] as? Int == 0)
                #expect(retry.json["replayed"] as? Bool == true)
            }
            #expect(try daemon.count("SELECT count(*) FROM event_rows") == 5)
            #expect(try daemon.count("SELECT count(*) FROM http_requests") == 1)
        }
    }

    @Test("Firehose's X-Amz-Firehose-Request-Id is the same mechanism, answered in Firehose's shape")
    func firehoseRequestID() async throws {
        try await withDaemon { base, daemon in
            let url = "\(base)/v1/events"
            let id = "ddd9f2e3-fcd3-4bb1-b8a8-7c3e2e2a0001"
            let first = try await http("POST", url, body: records(0..<2), headers: headers(id, header: "X-Amz-Firehose-Request-Id"))
            #expect(first.status == 200)
            #expect(first.json["requestId"] as? String == id)
            let retry = try await http("POST", url, body: records(0..<2), headers: headers(id, header: "X-Amz-Firehose-Request-Id"))
            #expect(retry.status == 200 && retry.json["requestId"] as? String == id)
            #expect(try daemon.count("SELECT count(*) FROM http_requests") == 1, "answered from the first")
            let other = try await http("POST", url, body: records(2..<4), headers: headers(id, header: "X-Amz-Firehose-Request-Id"))
            #expect(other.status == 409)
            #expect(other.json["errorMessage"] is String)
            #expect(try daemon.count("SELECT count(*) FROM event_rows") == 2)
        }
    }

    @Test("Keys are kept whole: two 300-character keys that share their first 200 characters are two keys")
    func longKeys() async throws {
        try await withDaemon { base, daemon in
            let url = "\(base)/v1/events"
            let prefix = String(repeating: "k", count: 290)
            let first = try await http("POST", url, body: records(0..<3), headers: headers(prefix + "-batch-0001"))
            let second = try await http("POST", url, body: records(3..<6), headers: headers(prefix + "-batch-0002"))
            #expect(first.status == 202)
            #expect(second.status == 202, "\(second.body)")
            #expect(second.json["replayed"] == nil)
            #expect(try daemon.count("SELECT count(*) FROM event_rows") == 6)
            #expect(try daemon.count("SELECT count(*) FROM http_requests") == 2)
        }
    }

    @Test("An empty key is refused with 400 and stores nothing")
    func emptyKey() async throws {
        try await withDaemon { base, daemon in
            let url = "\(base)/v1/events"
            // A raw request: HTTP clients drop a header whose value is empty.
            let port = try #require(URL(string: base)?.port)
            let client = try #require(ClientSocket(port: port))
            let body = SyntheticLogs.keyVaultLines(0..<2)
            client.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.token)\r\nIdempotency-Key: \r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
            #expect(DaemonProcess.wait(seconds: 20) { client.poll(); return client.text.hasSuffix("}\n") }, "answered: \(client.text)")
            #expect(client.text.hasPrefix("HTTP/1.1 400"), "\(client.text)")
            #expect(client.text.contains("empty"), "\(client.text)")
            #expect(try daemon.count("SELECT count(*) FROM event_rows") == 0)
            #expect(try daemon.count("SELECT count(*) FROM http_requests") == 0)
        }
    }
}
