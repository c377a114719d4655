import KeywatchCore

/// A bucket and a key prefix, written `s3://bucket/prefix` as the AWS CLI writes them: where
/// `keywatch ingest` finds log files to backfill.
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    /// Keys beginning with this; empty for the whole bucket.
    public var prefix: String

    /// Reads `s3://bucket[/prefix]`; nil for anything else, or a bucket name S3 forbids.
    public init?(url: String) {
        guard url.hasPrefix("s3://") else { return nil }
        let rest = url.dropFirst(5)
        let bucket = String(rest.prefix { $0 != "/" })
        guard S3BucketName.isValid(bucket) else { return nil }
        self.bucket = bucket
        prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
    }

    public var description: String { "s3://\(bucket)/\(prefix)" }
}

extension S3Client {
    /// Every object under `location`, in key order — CloudTrail's keys sort by account, region
    /// and time — as sources a backfill fetches one at a time; CloudTrail digest files, which
    /// hold no events, left out.
    public func sources(under location: S3Location) throws(S3Error) -> [BackfillSource] {
        var sources: [BackfillSource] = []
        var continuation: String?
        repeat {
            let page = try list(bucket: location.bucket, prefix: location.prefix, startAfter: nil, continuation: continuation)
            for object in page.objects where !object.isCloudTrailDigest {
                let client = self
                sources.append(.remote(name: "\(object)", size: object.size.map(Int64.init)) {
                    do {
                        return try client.object(object).bytes
                    } catch {
                        throw RemoteReadError(name: "\(object)", reason: "\(error)")
                    }
                })
            }
            continuation = page.continuation
        } while continuation != nil
        return sources
    }
}
