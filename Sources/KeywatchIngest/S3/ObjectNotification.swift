import KeywatchCore

/// What one queue message says, in any of the shapes AWS sends to an SQS queue about new log
/// files:
///
/// - an **S3 event notification** (`{"Records": [{"eventSource": "aws:s3", "eventName":
///   "ObjectCreated:Put", "s3": {"bucket": {"name": …}, "object": {"key": …, "eTag": …}}}]}`),
///   its keys URL-encoded (`red+flower.json` for `red flower.json`);
/// - the same **wrapped by SNS** (`{"Type": "Notification", "Message": "<the notification as a
///   string>"}`), when the bucket notifies a topic the queue subscribes to without raw delivery;
/// - **CloudTrail's own SNS notification** (`{"s3Bucket": …, "s3ObjectKey": [keys]}`), keys as
///   they are, usually inside the SNS envelope;
/// - an **EventBridge `Object Created`** event (`{"source": "aws.s3", "detail-type": "Object
///   Created", "detail": {"bucket": {"name": …}, "object": {"key": …, "etag": …}}}`), keys as
///   they are.
///
/// Messages that announce nothing to read are ``skipped(_:)`` with the reason, to be counted:
/// S3's `s3:TestEvent`, SNS subscription confirmations, objects removed, and CloudTrail digest
/// files (log file validation), which hold no events. Anything else is refused with a
/// ``NotificationError`` saying why — every field of a message is whoever wrote to the queue's.
public enum ObjectNotification: Sendable, Equatable {
    /// Objects to read, in the message's order.
    case objects([S3ObjectReference])
    /// Nothing to read, and why.
    case skipped(String)

    /// SNS envelopes inside SNS envelopes are not something AWS sends.
    private static let maximumEnvelopes = 1

    /// Reads a message body.
    public static func parse(_ body: [UInt8]) throws(NotificationError) -> ObjectNotification {
        try parse(body, envelopes: 0)
    }

    private static func parse(_ body: [UInt8], envelopes: Int) throws(NotificationError) -> ObjectNotification {
        let parser = JSONParser()
        let result: Result<ObjectNotification, NotificationError> = body.withUnsafeBytes { bytes in
            do {
                return try parser.parse(bytes) { document in
                    Result { () throws(NotificationError) in try read(document.root, envelopes: envelopes) }
                }
            } catch {
                return .failure(NotificationError("not JSON: \(error)"))
            }
        }
        return try result.get()
    }

    private static func read(_ root: JSONValue, envelopes: Int) throws(NotificationError) -> ObjectNotification {
        guard root.kind == .object else { throw NotificationError("not a JSON object") }
        if let type = root["Type"]?.string {
            return try readEnvelope(root, type: type, envelopes: envelopes)
        }
        if root["Event"]?.string == "s3:TestEvent" { return .skipped("S3 test event") }
        if let records = root["Records"] { return try readS3Event(records) }
        if let bucket = root["s3Bucket"] { return try readCloudTrail(bucket: bucket, keys: root["s3ObjectKey"]) }
        if root["source"]?.string == "aws.s3", let detailType = root["detail-type"]?.string {
            return try readEventBridge(root["detail"], detailType: detailType)
        }
        throw NotificationError("not an S3, SNS, CloudTrail or EventBridge notification (no Records, Type, s3Bucket or detail-type)")
    }

    private static func readEnvelope(_ root: JSONValue, type: String, envelopes: Int) throws(NotificationError) -> ObjectNotification {
        switch type {
        case "Notification":
            guard envelopes < maximumEnvelopes else { throw NotificationError("an SNS envelope inside an SNS envelope") }
            guard let message = root["Message"]?.string else { throw NotificationError("an SNS notification without a Message") }
            do {
                return try parse(Array(message.utf8), envelopes: envelopes + 1)
            } catch {
                throw NotificationError("in its SNS Message: \(error.reason)")
            }
        case "SubscriptionConfirmation", "UnsubscribeConfirmation":
            return .skipped("SNS \(type)")
        default:
            throw NotificationError("an SNS message of type '\(TerminalText.escape(String(type.prefix(64))))'")
        }
    }

    private static func readS3Event(_ records: JSONValue) throws(NotificationError) -> ObjectNotification {
        guard records.kind == .array else { throw NotificationError("Records is not an array") }
        var objects: [S3ObjectReference] = []
        var removed = 0
        for record in records.elements {
            guard record["eventSource"]?.string == "aws:s3" else {
                throw NotificationError("a record whose eventSource is not aws:s3 (log records sent to the queue itself?)")
            }
            guard let name = record["eventName"]?.string, name.hasPrefix("ObjectCreated:") else {
                removed += 1
                continue
            }
            let s3 = record["s3"]
            guard let encoded = s3?["object"]?["key"]?.nonEmptyString else { throw NotificationError("an S3 record without s3.object.key") }
            guard let key = URLFormDecoding.decode(encoded) else {
                throw NotificationError("s3.object.key is not URL-encoded UTF-8: '\(TerminalText.escape(String(encoded.prefix(128))))'")
            }
            objects.append(try reference(bucket: s3?["bucket"]?["name"], key: key,
                                         eTag: s3?["object"]?["eTag"] ?? s3?["object"]?["etag"], size: s3?["object"]?["size"]))
        }
        if objects.isEmpty {
            return .skipped(removed > 0 ? "S3 events of no new object (\(removed))" : "an S3 notification of no records")
        }
        return digestsSkipped(objects)
    }

    private static func readCloudTrail(bucket: JSONValue, keys: JSONValue?) throws(NotificationError) -> ObjectNotification {
        guard let keys, keys.kind == .array else { throw NotificationError("a CloudTrail notification without an s3ObjectKey list") }
        var objects: [S3ObjectReference] = []
        for key in keys.elements {
            guard let key = key.nonEmptyString else { throw NotificationError("an s3ObjectKey that is not a key") }
            objects.append(try reference(bucket: bucket, key: key, eTag: nil, size: nil))
        }
        guard !objects.isEmpty else { return .skipped("a CloudTrail notification of no files") }
        return digestsSkipped(objects)
    }

    private static func readEventBridge(_ detail: JSONValue?, detailType: String) throws(NotificationError) -> ObjectNotification {
        guard detailType == "Object Created" else { return .skipped("EventBridge \(TerminalText.escape(String(detailType.prefix(64))))") }
        guard let key = detail?["object"]?["key"]?.nonEmptyString else { throw NotificationError("an Object Created event without detail.object.key") }
        let object = try reference(bucket: detail?["bucket"]?["name"], key: key, eTag: detail?["object"]?["etag"], size: detail?["object"]?["size"])
        return digestsSkipped([object])
    }

    /// The objects less CloudTrail's digests; skipped when only digests were announced.
    private static func digestsSkipped(_ objects: [S3ObjectReference]) -> ObjectNotification {
        let logs = objects.filter { !$0.isCloudTrailDigest }
        return logs.isEmpty ? .skipped("CloudTrail digest file") : .objects(logs)
    }

    private static func reference(bucket: JSONValue?, key: String, eTag: JSONValue?, size: JSONValue?) throws(NotificationError) -> S3ObjectReference {
        guard let bucket = bucket?.string else { throw NotificationError("no bucket name") }
        guard S3BucketName.isValid(bucket) else {
            throw NotificationError("'\(TerminalText.escape(String(bucket.prefix(64))))' is not an S3 bucket name")
        }
        guard key.utf8.count <= 1024 else { throw NotificationError("an object key longer than S3's 1024 bytes") }
        return S3ObjectReference(bucket: bucket, key: key, eTag: eTag?.nonEmptyString.map(S3Client.unquoted), size: size?.integer)
    }
}

/// Why a queue message could not be read: it is recorded as a reject with this reason.
public struct NotificationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
