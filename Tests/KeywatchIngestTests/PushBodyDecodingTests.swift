import Foundation
import KeywatchCore
import KeywatchIngest
import KeywatchTestSupport
import Testing

/// The seam the push-body fuzz target reaches the receiver through: it must answer as `POST
/// /v1/events` does.
@Suite struct PushBodyDecodingTests {
    let body = Array(try! Data(contentsOf: repositoryRoot.appendingPathComponent("sample-logs/pushes/eventbridge.json")))

    func pieces(_ bytes: [UInt8], of size: Int) -> [ArraySlice<UInt8>] {
        stride(from: 0, to: bytes.count, by: size).map { bytes[$0..<min($0 + size, bytes.count)] }
    }

    @Test("a body in pieces, plain or gzip, gives the events of the body, and its size after decompression")
    func plainAndGzip() {
        for (bytes, gzip) in [(body, false), (gzip(body), true)] {
            guard case .accepted(let batch, let size) = PushBodyDecoding.decode(
                pieces(bytes, of: 100), requestID: "r", gzip: gzip, limit: 1 << 20, decoder: RecordDecoder()) else {
                Issue.record("refused, gzip: \(gzip)")
                continue
            }
            #expect(batch.rows.count == 2 && batch.rejects.isEmpty && size == body.count)
            #expect(batch.events.allSatisfy { $0.origin.description == "http:r" })
        }
    }

    @Test("over the limit after decompression is too large; a body that is not gzip is bad gzip")
    func refusals() {
        let limit = body.count - 1
        for (bytes, gzip) in [(body, false), (gzip(body), true)] {
            guard case .tooLarge(limit) = PushBodyDecoding.decode([bytes[...]], requestID: "r", gzip: gzip, limit: limit, decoder: RecordDecoder()) else {
                Issue.record("not refused as too large, gzip: \(gzip)")
                continue
            }
        }
        guard case .badGzip(let reason) = PushBodyDecoding.decode([body[...]], requestID: "r", gzip: true, limit: 1 << 20, decoder: RecordDecoder()) else {
            Issue.record("plain bytes accepted as gzip")
            return
        }
        #expect(reason.contains("gzip"))
    }
}
