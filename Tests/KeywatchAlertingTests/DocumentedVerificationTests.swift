import Crypto
import Foundation
@testable import KeywatchAlerting
import KeywatchTestSupport
import Testing

/// The receiver-side check docs/alerts.md shows, run as written against keywatch's own signatures:
/// a user who copies it accepts what keywatch signs and refuses anything else.
@Suite("Documented webhook verification")
struct DocumentedVerificationTests {
    /// The first `python` block of docs/alerts.md.
    static func documentedVerifier() throws -> String {
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/alerts.md"), encoding: .utf8)
        let start = try #require(page.range(of: "```python\n"))
        let end = try #require(page.range(of: "```", range: start.upperBound..<page.endIndex))
        return String(page[start.upperBound..<end.lowerBound])
    }

    @Test("docs/alerts.md's verify() accepts keywatch's signatures, with a whsec_ secret and a plain one, and refuses a changed body, id or secret",
          arguments: ["whsec_" + Data("a secret of bytes".utf8).base64EncodedString(), "plain text secret"])
    func verifierAcceptsWhatKeywatchSigns(secret: String) throws {
        let id = "kw-b94a82bec8d98221", timestamp = 1_795_000_000
        let body = #"{"id":"kw-b94a82bec8d98221","summary":"5 events …"}"#
        let signature = WebhookSink.signature(id: id, timestamp: timestamp, body: Array(body.utf8), key: WebhookSink.signingKey(secret))
        let script = try Self.documentedVerifier() + """

            import json, sys
            case = json.load(sys.stdin)
            headers = {"webhook-id": case["id"], "webhook-timestamp": str(case["timestamp"]),
                       "webhook-signature": "v1,bm90IHRoaXM= " + case["signature"]}
            body = case["body"].encode()
            print(verify(case["secret"], headers, body),
                  verify(case["secret"], headers, body + b" "),
                  verify(case["secret"], dict(headers, **{"webhook-id": case["id"] + "-resolved"}), body),
                  verify(case["other"], headers, body))
            """
        let input = try JSONSerialization.data(withJSONObject: [
            "secret": secret, "other": secret.hasPrefix("whsec_") ? "whsec_" + Data("another secret".utf8).base64EncodedString() : "another secret",
            "id": id, "timestamp": timestamp, "signature": signature, "body": body,
        ])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "True False False False")
    }
}
