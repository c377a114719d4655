import Foundation
import Testing
import KeywatchTestSupport

/// Amazon Data Firehose's HTTP endpoint destination, as its documented request shape reaches a
/// running daemon: records base64-encoded in `records[].data` (CloudWatch Logs gzip inside, or
/// EventBridge events), its access key in `X-Amz-Firehose-Access-Key`, and the answer Firehose
/// requires — 200 with `requestId` and `timestamp`, or another status with `errorMessage`.
extension PushTests {
    /// A Firehose request body: `records[].data` of each payload, base64.
    func firehoseBody(requestID: String, _ payloads: [[UInt8]]) throws -> [UInt8] {
        let object: [String: Any] = [
            "requestId": requestID, "timestamp": Int64(Date().timeIntervalSince1970 * 1000),
            "records": payloads.map { ["data": Data($0).base64EncodedString()] },
        ]
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    func firehoseHeaders(_ requestID: String, accessKey: String = PushTests.token) -> [String: String] {
        ["X-Amz-Firehose-Request-Id": requestID, "X-Amz-Firehose-Access-Key": accessKey,
         "X-Amz-Firehose-Protocol-Version": "1.0", "Content-Type": "application/json"]
    }

    @Test("Firehose: its access key is the token; CloudWatch Logs gzip and EventBridge records are stored; the answer is 200 with requestId and timestamp only")
    func firehoseDelivery() async throws {
        try await withDaemon { base, daemon in
            let url = "\(base)/v1/events"
            let pushes = repositoryRoot.appendingPathComponent("sample-logs/pushes")
            // What a CloudWatch Logs subscription gives Firehose: the gzip of its payload.
            let subscription = try JSONSerialization.jsonObject(with: Data(contentsOf: pushes.appendingPathComponent("cloudwatch-subscription.json"))) as? [String: Any]
            let encoded = try #require((subscription?["awslogs"] as? [String: Any])?["data"] as? String)
            let gzipped = try #require(Data(base64Encoded: encoded))
            let events = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: pushes.appendingPathComponent("eventbridge.json"))) as? [Any])
            let eventBridge = try events.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
            let id = "ed4acda5-034f-9f42-bba1-f29aea6d7d8f"
            let body = try firehoseBody(requestID: id, [Array(gzipped)] + eventBridge + [Array("not a record".utf8)])

            let before = Date().timeIntervalSince1970 * 1000
            let delivered = try await http("POST", url, body: body, headers: firehoseHeaders(id))
            #expect(delivered.status == 200, "\(delivered.body)")
            #expect(Set(delivered.json.keys) == ["requestId", "timestamp"], "\(delivered.body)")
            #expect(delivered.json["requestId"] as? String == id)
            let timestamp = try #require(delivered.json["timestamp"] as? Double)
            #expect(timestamp >= before.rounded(.down) && timestamp <= Date().timeIntervalSince1970 * 1000 + 1)
            let stored = try daemon.count("SELECT count(*) FROM event_rows")
            #expect(stored >= 3, "the subscription's KMS events and the EventBridge ones")
            #expect(try daemon.count("SELECT count(*) FROM rejects") == 1, "the record that is none, kept with its reason")

            // Firehose retries under the same request id: nothing twice.
            let retry = try await http("POST", url, body: body, headers: firehoseHeaders(id))
            #expect(retry.status == 200 && retry.json["requestId"] as? String == id)
            #expect(try daemon.count("SELECT count(*) FROM event_rows") == stored)

            // Content-Encoding: gzip, as a stream configured to compress sends it.
            let other = "a7c4fe6d-0c1d-4c8e-9a55-0123456789ab"
            let compressed = try await http("POST", url, body: gzipBytes(try firehoseBody(requestID: other, eventBridge)),
                                            headers: firehoseHeaders(other).merging(["Content-Encoding": "gzip"]) { $1 })
            #expect(compressed.status == 200, "\(compressed.body)")
        }
    }

    @Test("Firehose: a wrong access key is 401, and a body that is not JSON 400, each with requestId, timestamp and errorMessage")
    func firehoseRefusals() async throws {
        try await withDaemon { base, daemon in
            let url = "\(base)/v1/events"
            let id = "0b0e7a52-5d4c-4c52-8d3f-2a1f9c0e6b11"
            let refused = try await http("POST", url, body: try firehoseBody(requestID: id, []), headers: firehoseHeaders(id, accessKey: "wrong"))
            #expect(refused.status == 401)
            #expect(Set(refused.json.keys) == ["requestId", "timestamp", "errorMessage"], "\(refused.body)")
            #expect(refused.json["requestId"] as? String == id)
            #expect((refused.json["errorMessage"] as? String)?.contains("token") == true)

            let empty = try await http("POST", url, body: Array("   ".utf8), headers: firehoseHeaders("c3d5e7f9-0000-4000-8000-000000000001"))
            #expect(empty.status == 400, "\(empty.body)")
            #expect(empty.json["errorMessage"] is String, "\(empty.body)")
            #expect(try daemon.count("SELECT count(*) FROM event_rows") == 0)
        }
    }
}
