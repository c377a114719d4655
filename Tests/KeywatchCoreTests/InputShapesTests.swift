import Foundation
import Testing
@testable import KeywatchCore

/// Every input shape of docs/inputs.md, recognized by content.
@Suite("Input shapes")
struct InputShapesTests {
    let kv1 = keyVault(["time": "2026-11-20T09:00:01Z"])
    let kv2 = keyVault(["time": "2026-11-20T09:00:02Z"])
    let ct1 = cloudTrail(["eventID": "aaaaaaaa-0000-4000-8000-000000000001"])
    let ct2 = cloudTrail(["eventID": "aaaaaaaa-0000-4000-8000-000000000002"])

    func keys(_ batch: EventBatch) -> [String] { batch.events.map(\.key) }

    @Test("JSON Lines of Key Vault records; of CloudTrail records")
    func jsonLines() {
        #expect(decode(kv1 + "\n" + kv2 + "\n").rows.count == 2)
        #expect(keys(decode(ct1 + "\n" + ct2)) == ["aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"])
    }

    @Test("{\"records\":[…]} and {\"Records\":[…]}")
    func wrappers() {
        let records = decode("{\"records\":[" + kv1 + "," + kv2 + "]}")
        #expect(records.rows.count == 2 && records.rejects.isEmpty)
        let capital = decode("{\"Records\":[" + ct1 + ",\n" + ct2 + "]}")
        #expect(keys(capital) == ["aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"])
    }

    @Test("a bare array, and a single record")
    func arrayAndSingle() {
        #expect(decode("[" + ct1 + "," + kv1 + "]").rows.count == 2)
        #expect(decode(ct1).rows.count == 1)
        #expect(decode("  \n" + kv1 + "  \n").rows.count == 1)
    }

    @Test("EventBridge: a CloudTrail API call (the record is the detail) and KMS's own events")
    func eventBridge() throws {
        let batch = decode(try repositoryFile("sample-logs/pushes/eventbridge.json"))
        #expect(batch.rejects.isEmpty)
        #expect(batch.rows.count == 2)
        let apiCall = batch.event(at: 0)
        #expect(apiCall.operation == "Decrypt")
        #expect(apiCall.principal == "arn:aws:iam::111122223333:role/payments-irsa")
        // The stored record is the CloudTrail event, not the envelope.
        let raw = String(decoding: batch.rawBytes(of: batch.rows[0]), as: UTF8.self)
        #expect(raw.hasPrefix("{") && raw.contains("\"eventSource\"") && !raw.contains("detail-type"))
        let native = batch.event(at: 1)
        #expect(native.operation == "KMS CMK Deletion")
        #expect(native.eventClass == .service)
        #expect(native.resource == "arn:aws:kms:us-east-1:111122223333:key/9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b")
        #expect(native.time.rfc3339 == "2026-11-20T09:25:00.000000Z")
        #expect(native.key.count == 36)
        let other = decode(#"{"version":"0","id":"x","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"state":"running"}}"#)
        #expect(other.skipped == [.otherEventBridgeEvent: 1])
    }

    @Test("a decoded CloudWatch Logs payload: messages are records; control messages are skipped")
    func cloudWatchDecoded() throws {
        let message = String(decoding: try JSONSerialization.data(withJSONObject: ct1, options: [.fragmentsAllowed]), as: UTF8.self)  // a JSON string
        let data = "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"111122223333\",\"logEvents\":[{\"id\":\"1\",\"timestamp\":1,\"message\":\(message)}]}"
        let batch = decode(data)
        #expect(batch.rejects.isEmpty)
        #expect(keys(batch) == ["aaaaaaaa-0000-4000-8000-000000000001"])
        // The stored record is the message's JSON, unescaped.
        #expect(String(decoding: batch.rawBytes(of: batch.rows[0]), as: UTF8.self) == ct1)
        let control = decode(#"{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#)
        #expect(control.rows.isEmpty && control.rejects.isEmpty)
        #expect(control.skipped == [.controlMessage: 1])
    }

    @Test("CloudTrail digest files are skipped")
    func digest() {
        let batch = decode(#"{"awsAccountId":"111122223333","digestStartTime":"2026-11-20T08:20:00Z","digestSignatureAlgorithm":"SHA256withRSA","logFiles":[]}"#)
        #expect(batch.skipped == [.digest: 1])
        #expect(batch.rows.isEmpty && batch.rejects.isEmpty)
    }

    @Test("the same bytes decode the same in place and through the framer, in any chunking", arguments: [1, 5, 97, 0])
    func pathsAgree(_ chunk: Int) throws {
        let inputs = [
            try repositoryFile("sample-logs/pushes/eventbridge.json"),
            Array(("{\"Records\":[" + ct1 + "," + ct2 + "]}").utf8),
            Array((kv1 + "\n{\"truncated\":\n" + kv2 + "\n").utf8),
        ]
        for bytes in inputs {
            let streamed = decode(bytes, chunk: chunk)
            var framed = EventBatch()
            bytes.withUnsafeBytes { RecordDecoder().decodeDocument($0, origin: Origin(input: "file:test", offset: 0), into: &framed) }
            #expect(streamed.events == framed.events)
            #expect(streamed.rejects.map(\.reason) == framed.rejects.map(\.reason))
            #expect(streamed.raw == framed.raw)
        }
    }

    @Test("raw records come back byte for byte; origins point at them")
    func rawAndOrigins() {
        let text = "  " + kv1 + "\n" + kv2 + "\n"
        let batch = decode(text)
        #expect(String(decoding: batch.rawBytes(of: batch.rows[0]), as: UTF8.self) == kv1)
        #expect(String(decoding: batch.rawBytes(of: batch.rows[1]), as: UTF8.self) == kv2)
        #expect(batch.event(at: 0).origin.description == "file:test@2")
        #expect(batch.event(at: 1).origin.offset == Int64(2 + kv1.utf8.count + 1))
    }

    @Test("bad records are rejected with their reason; the records around them are kept")
    func badRecordsAmongGood() {
        let lines = [
            kv1,
            "{\"time\":\"2026-11-20T09:00:00Z\",\"operationName\":\"SecretGet\"",  // truncated
            "{\"operationName\":\"SecretGet\",\"x\":\"\u{FFFD}\"}",                    // valid, but no time
            "{}",                                                                       // every field missing
            String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
            kv2,
        ]
        var bytes = Array(lines.joined(separator: "\n").utf8) + [0x0A]
        bytes += [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D, 0x0A]  // {"a":"\xC3("} invalid UTF-8
        bytes += Array("{\"a\":\"nul\u{0}byte\"}\n".utf8)
        let batch = decode(bytes)
        #expect(batch.rows.count == 2)
        #expect(batch.rejects.map(\.reason) == [
            "truncated record: the line ends inside a JSON value",
            "Key Vault record without a time",
            "unrecognized record: neither a CloudTrail event (eventSource) nor a Key Vault AuditEvent (operationName)",
            "invalid JSON at byte 128: nesting deeper than 128 levels",
            "invalid JSON at byte 6: invalid UTF-8",
            "invalid JSON at byte 9: unescaped control character NUL byte in a string",
        ])
        #expect(batch.rejects[0].prefix.starts(with: Array("{\"time\"".utf8)))
    }
}
