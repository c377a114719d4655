import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What a push is answered: a status, the JSON object of the body (`accepted`, `duplicates`,
/// `rejected`, `errors`, or `error` for a refusal), and headers of its own (`Retry-After`,
/// `Connection: close`).
struct PushReply {
    var status: HTTPResponse.Status
    var fields: [String: Any]
    var headers: HTTPFields
    /// Whether the push was committed — its events, and the rejects of records that could not
    /// be read — so that sending it again can change nothing.
    var committed: Bool

    init(_ status: HTTPResponse.Status, _ fields: [String: Any], headers: HTTPFields = [:], committed: Bool = false) {
        self.status = status
        self.fields = fields
        self.headers = headers
        self.committed = committed
    }

    /// The reply as an HTTP response: the object on one line of JSON, keys sorted.
    var response: Response {
        Self.json(status, fields, headers: headers)
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any], headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data + Data("\n".utf8))))
    }
}

/// A push from Amazon Data Firehose's HTTP endpoint destination (it says
/// `X-Amz-Firehose-Request-Id`), answered as Firehose requires: `200` and
/// `{"requestId": …, "timestamp": …}` when delivered — any other status, a 2xx other than 200
/// included, is a failure it retries — and on failure `errorMessage` too, which Firehose logs.
///
/// A delivery whose records were all rejected is delivered: the rejects are stored with their
/// reasons (`keywatch rejects`), and sending the same records again could only be refused again.
enum FirehoseReply {
    static func response(to reply: PushReply, requestID: String) -> Response {
        var fields: [String: Any] = ["requestId": requestID, "timestamp": Int64(Date().timeIntervalSince1970 * 1000)]
        let delivered = reply.committed || (200..<300).contains(reply.status.code)
        if !delivered { fields["errorMessage"] = reply.fields["error"] as? String ?? "the delivery was refused" }
        return PushReply.json(delivered ? .ok : reply.status, fields, headers: reply.headers)
    }
}
