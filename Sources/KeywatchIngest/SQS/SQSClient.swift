import Foundation
import KeywatchCore
import KeywatchCurl

/// The few SQS calls keywatch makes on a queue of S3 notifications — receive, delete, hide a
/// message longer, count what waits — in SQS's JSON protocol, signed with SigV4 by libcurl.
///
/// Calls go to `endpoint` when one is given (moto, a VPC endpoint), else to the queue URL's own
/// host (`https://sqs.us-east-1.amazonaws.com`).
public struct SQSClient: Sendable {
    public var queueURL: String
    public var region: String
    public var endpoint: String?
    public var credentials: AWSCredentials
    /// The whole of one call, in seconds, beyond its long-poll wait.
    public var timeout: Double = 30

    public init(queueURL: String, region: String, endpoint: String? = nil, credentials: AWSCredentials) {
        self.queueURL = queueURL
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
    }

    /// Up to 10 messages, waiting up to `wait` seconds for the first (long polling), each hidden
    /// from other receivers for `visibility` seconds.
    public func receive(wait: Int, visibility: Int, isCancelled: @escaping @Sendable () -> Bool = { false })
        throws(SQSError) -> [SQSMessage]
    {
        let answer = try call("ReceiveMessage", [
            "QueueUrl": queueURL, "MaxNumberOfMessages": 10, "WaitTimeSeconds": wait, "VisibilityTimeout": visibility,
            "MessageSystemAttributeNames": ["SentTimestamp", "ApproximateReceiveCount"],
            // Older servers read the attribute names from here.
            "AttributeNames": ["SentTimestamp", "ApproximateReceiveCount"],
        ], extraTime: Double(wait), isCancelled: isCancelled)
        guard let messages = answer["Messages"] as? [[String: Any]] else { return [] }
        return messages.compactMap(SQSMessage.init(json:))
    }

    /// Deletes received messages, their objects' events committed: ten to a call. Returns
    /// those SQS could not delete, with why.
    public func delete(_ messages: [SQSMessage]) throws(SQSError) -> [(message: SQSMessage, reason: String)] {
        var failed: [(message: SQSMessage, reason: String)] = []
        var start = 0
        while start < messages.count {
            let slice = Array(messages[start..<min(start + 10, messages.count)])
            start += slice.count
            let answer = try call("DeleteMessageBatch", [
                "QueueUrl": queueURL,
                "Entries": slice.enumerated().map { ["Id": "\($0.offset)", "ReceiptHandle": $0.element.receiptHandle] },
            ])
            for failure in answer["Failed"] as? [[String: Any]] ?? [] {
                guard let id = (failure["Id"] as? String).flatMap({ Int($0) }), slice.indices.contains(id) else { continue }
                failed.append((slice[id], "\(failure["Code"] ?? "") \(failure["Message"] ?? "")"))
            }
        }
        return failed
    }

    /// Hides a received message from other receivers for `seconds` more from now (0: at once
    /// visible again).
    public func hide(_ message: SQSMessage, for seconds: Int) throws(SQSError) {
        _ = try call("ChangeMessageVisibility",
                     ["QueueUrl": queueURL, "ReceiptHandle": message.receiptHandle, "VisibilityTimeout": seconds])
    }

    /// How many messages wait to be received, and how many are received and not yet deleted
    /// (hidden), as SQS approximates them.
    public func messageCounts() throws(SQSError) -> (waiting: Int?, hidden: Int?) {
        let answer = try call("GetQueueAttributes", ["QueueUrl": queueURL,
                                                     "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]])
        let attributes = answer["Attributes"] as? [String: Any]
        func count(_ name: String) -> Int? { (attributes?[name] as? String).flatMap { Int($0) } }
        return (count("ApproximateNumberOfMessages"), count("ApproximateNumberOfMessagesNotVisible"))
    }

    /// Makes a queue and returns its URL (for tests and tools).
    public func createQueue(_ name: String) throws(SQSError) -> String {
        let answer = try call("CreateQueue", ["QueueName": name])
        guard let url = answer["QueueUrl"] as? String else { throw SQSError("CreateQueue answered no QueueUrl") }
        return url
    }

    /// Sends a message to the queue (for tests and tools).
    public func send(_ body: String) throws(SQSError) {
        _ = try call("SendMessage", ["QueueUrl": queueURL, "MessageBody": body])
    }

    private func call(_ action: String, _ parameters: [String: Any], extraTime: Double = 0,
                      isCancelled: @escaping @Sendable () -> Bool = { false }) throws(SQSError) -> [String: Any] {
        let body: [UInt8]
        do {
            body = Array(try JSONSerialization.data(withJSONObject: parameters))
        } catch {
            throw SQSError("\(action): cannot write the request: \(error)")
        }
        var headers = ["Content-Type: application/x-amz-json-1.0", "X-Amz-Target: AmazonSQS.\(action)"]
        if let token = credentials.sessionToken { headers.append("X-Amz-Security-Token: \(token)") }
        let request = CurlRequest(url: serviceURL, protocols: .web, method: "POST", timeout: timeout + extraTime, headers: headers,
                                  body: body, username: credentials.accessKeyID, password: credentials.secretAccessKey,
                                  awsSigV4: "aws:amz:\(region):sqs", keptBodyBytes: 16 << 20)
        let response: CurlResponse
        do {
            response = try Curl.perform(request, isCancelled: isCancelled)
        } catch {
            throw SQSError("\(action) \(queueURL): \(error.detail)", cancelled: error.cancelled)
        }
        let answer = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        guard (200..<300).contains(response.status) else {
            let type = (answer["__type"] as? String).map { String($0.split(separator: "#").last ?? "") } ?? ""
            let message = answer["message"] as? String ?? answer["Message"] as? String ?? ""
            throw SQSError("\(action) \(queueURL): HTTP \(response.status) \(type) \(message)".trimmingCharacters(in: .whitespaces),
                           status: response.status)
        }
        return answer
    }

    /// Where calls go: the endpoint, else the queue URL's scheme and host.
    var serviceURL: String {
        if let endpoint { return endpoint.hasSuffix("/") ? endpoint : endpoint + "/" }
        guard let url = URL(string: queueURL), let scheme = url.scheme, let host = url.host else { return queueURL }
        return "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")/"
    }
}

/// One received message: its body, what it takes to delete it, and when it was sent.
public struct SQSMessage: Sendable, Equatable {
    public var id: String
    public var receiptHandle: String
    public var body: [UInt8]
    /// How many times it has been received, this time included.
    public var receiveCount: Int
    /// When it was sent to the queue.
    public var sentAt: Timestamp?

    public init(id: String, receiptHandle: String, body: [UInt8], receiveCount: Int, sentAt: Timestamp?) {
        self.id = id
        self.receiptHandle = receiptHandle
        self.body = body
        self.receiveCount = receiveCount
        self.sentAt = sentAt
    }

    init?(json: [String: Any]) {
        guard let id = json["MessageId"] as? String, let handle = json["ReceiptHandle"] as? String else { return nil }
        let attributes = json["Attributes"] as? [String: String] ?? [:]
        self.init(id: id, receiptHandle: handle, body: Array((json["Body"] as? String ?? "").utf8),
                  receiveCount: attributes["ApproximateReceiveCount"].flatMap { Int($0) } ?? 1,
                  sentAt: attributes["SentTimestamp"].flatMap { Int64($0) }.map { Timestamp(microseconds: $0 * 1000) })
    }
}

/// Why an SQS call failed.
public struct SQSError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    /// The HTTP status, when the service answered.
    public var status: Int?
    /// The call was given up because the input is stopping.
    public var cancelled: Bool

    public init(_ description: String, status: Int? = nil, cancelled: Bool = false) {
        self.description = description
        self.status = status
        self.cancelled = cancelled
    }
}
