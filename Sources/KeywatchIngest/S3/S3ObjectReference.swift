/// An S3 object a notification announces: a log file to fetch, and what identifies this version
/// of it — bucket, key and ETag are what the store keeps with the events it held, so an object
/// announced twice (a message delivered again, two messages naming it) is read once.
public struct S3ObjectReference: Sendable, Hashable, CustomStringConvertible {
    public var bucket: String
    /// The key as S3 stores it: decoded, where a notification URL-encoded it.
    public var key: String
    /// The ETag without its quotes, when the notification gave one.
    public var eTag: String?
    /// The size in bytes, when the notification gave it.
    public var size: Int?

    public init(bucket: String, key: String, eTag: String? = nil, size: Int? = nil) {
        self.bucket = bucket
        self.key = key
        self.eTag = eTag
        self.size = size
    }

    /// `s3://bucket/key`.
    public var description: String { "s3://\(bucket)/\(key)" }

    /// Whether the key is a CloudTrail digest file (log file validation), which holds no events:
    /// digests sit under `…/CloudTrail-Digest/…` beside the logs.
    public var isCloudTrailDigest: Bool { key.contains("/CloudTrail-Digest/") || key.contains("_CloudTrail-Digest_") }
}
