import Foundation
import Yams

extension DaemonConfiguration {
    /// A queue of S3 notifications to read CloudTrail files from (`sqs:`).
    public struct Queue: Sendable, Equatable {
        /// `https://sqs.<region>.amazonaws.com/<account>/<name>`.
        public var queueURL: String
        public var region: String
        /// One S3- and SQS-compatible endpoint for every call (tests, MinIO, a VPC endpoint).
        public var endpoint: String?
        /// Failed reads of a message before it is recorded as a reject and deleted.
        public var maximumReceives: Int
        /// How long a received message stays hidden from other receivers; extended while its
        /// objects are being read.
        public var visibilityTimeout: EventDuration
        /// Threads receiving and reading at once: S3's and SQS's latency is per call, so several
        /// calls in flight read a backlog several times as fast.
        public var receivers: Int

        public init(queueURL: String, region: String, endpoint: String? = nil, maximumReceives: Int = 5,
                    visibilityTimeout: EventDuration = .minutes(5), receivers: Int = 4) {
            self.receivers = receivers
            self.queueURL = queueURL
            self.region = region
            self.endpoint = endpoint
            self.maximumReceives = maximumReceives
            self.visibilityTimeout = visibilityTimeout
        }

        /// Its name in metrics, watermarks and origins.
        public var inputName: String { "sqs:\(queueURL)" }
    }

    /// A bucket prefix listed in key order on an interval (`s3:`).
    public struct Listing: Sendable, Equatable {
        public var bucket: String
        public var prefix: String
        public var region: String
        public var endpoint: String?
        /// How long between listings once the last one is read.
        public var interval: EventDuration

        public init(bucket: String, prefix: String = "", region: String, endpoint: String? = nil, interval: EventDuration = .minutes(1)) {
            self.bucket = bucket
            self.prefix = prefix
            self.region = region
            self.endpoint = endpoint
            self.interval = interval
        }

        /// Its name in metrics, watermarks and the store's positions.
        public var inputName: String { "s3:\(bucket)/\(prefix)" }
    }
}

extension ConfigurationReader {
    /// `sqs:`, a list of queues.
    func queues(_ node: Node) throws(ConfigurationError) -> [DaemonConfiguration.Queue] {
        try inputList(node, key: "sqs", expected: "a list of {queue_url, region, endpoint, max_receives, visibility_timeout, receivers}",
                 name: \.inputName) { mapping, item, key in
            YAMLSupport.unknownKeys(["queue_url", "region", "endpoint", "max_receives", "visibility_timeout", "receivers"],
                                    in: mapping, file: file, path: key).forEach(problems.note)
            guard let urlNode = mapping["queue_url"] else {
                problems.note(error(item, "\(key).queue_url", "missing: the queue's URL, such as https://sqs.us-east-1.amazonaws.com/111122223333/cloudtrail"))
                return nil
            }
            guard let url = noting({ () throws(ConfigurationError) in try httpURL(urlNode, key: "\(key).queue_url") }) else { return nil }
            var queue = DaemonConfiguration.Queue(queueURL: url, region: "")
            queue.region = region(in: mapping, item: item, key: key, default: Self.regionOfQueue(url)) ?? ""
            queue.endpoint = mapping["endpoint"].flatMap { node in noting { () throws(ConfigurationError) in try httpURL(node, key: "\(key).endpoint") } }
            if let node = mapping["max_receives"] {
                queue.maximumReceives = noting { () throws(ConfigurationError) in
                    guard let count = node.scalar.flatMap({ Int($0.string) }), (1...1000).contains(count) else {
                        throw error(node, "\(key).max_receives", "expected a whole number from 1 to 1000, such as 5")
                    }
                    return count
                } ?? queue.maximumReceives
            }
            if let node = mapping["visibility_timeout"] {
                queue.visibilityTimeout = noting { () throws(ConfigurationError) in
                    // SQS's own bounds: at least a second, at most 12 hours.
                    try duration(node, key: "\(key).visibility_timeout", from: .seconds(2), to: .hours(12), example: "5m")
                } ?? queue.visibilityTimeout
            }
            if let node = mapping["receivers"] {
                queue.receivers = noting { () throws(ConfigurationError) in
                    guard let count = node.scalar.flatMap({ Int($0.string) }), (1...64).contains(count) else {
                        throw error(node, "\(key).receivers", "expected a whole number from 1 to 64, such as 4")
                    }
                    return count
                } ?? queue.receivers
            }
            return queue
        }
    }

    /// `s3:`, a list of bucket prefixes.
    func listings(_ node: Node) throws(ConfigurationError) -> [DaemonConfiguration.Listing] {
        try inputList(node, key: "s3", expected: "a list of {bucket, prefix, region, endpoint, interval}", name: \.inputName) { mapping, item, key in
            YAMLSupport.unknownKeys(["bucket", "prefix", "region", "endpoint", "interval"], in: mapping, file: file, path: key)
                .forEach(problems.note)
            guard let bucketNode = mapping["bucket"] else {
                problems.note(error(item, "\(key).bucket", "missing: the bucket CloudTrail writes to"))
                return nil
            }
            guard let bucket = noting({ () throws(ConfigurationError) in
                let name = try nonEmptyString(bucketNode, key: "\(key).bucket")
                guard S3BucketName.isValid(name) else {
                    throw error(bucketNode, "\(key).bucket", "not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens); give the prefix in prefix:")
                }
                return name
            }) else { return nil }
            var listing = DaemonConfiguration.Listing(bucket: bucket, region: "")
            if let node = mapping["prefix"] {
                listing.prefix = noting { () throws(ConfigurationError) in try YAMLSupport.string(node, file: file, key: "\(key).prefix") } ?? ""
            }
            listing.region = region(in: mapping, item: item, key: key, default: nil) ?? ""
            listing.endpoint = mapping["endpoint"].flatMap { node in noting { () throws(ConfigurationError) in try httpURL(node, key: "\(key).endpoint") } }
            if let node = mapping["interval"] {
                listing.interval = noting { () throws(ConfigurationError) in
                    try duration(node, key: "\(key).interval", from: .seconds(1), to: .days(1), example: "1m")
                } ?? listing.interval
            }
            return listing
        }
    }

    /// `region:`, else `default`, else the environment's AWS_REGION / AWS_DEFAULT_REGION; a
    /// problem when none gives one.
    private func region(in mapping: Node.Mapping, item: Node, key: String, default fallback: String?) -> String? {
        if let node = mapping["region"] {
            return noting { () throws(ConfigurationError) in
                let region = try nonEmptyString(node, key: "\(key).region")
                guard region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                    throw error(node, "\(key).region", "not an AWS region, such as us-east-1")
                }
                return region
            }
        }
        let environment = ProcessInfo.processInfo.environment
        if let region = fallback ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"], !region.isEmpty { return region }
        problems.note(error(item, "\(key).region", "missing: the AWS region, such as us-east-1 (or set AWS_REGION)"))
        return nil
    }

    /// An `http://` or `https://` URL with a host.
    private func httpURL(_ node: Node, key: String) throws(ConfigurationError) -> String {
        let text = try nonEmptyString(node, key: key)
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
            throw error(node, key, "expected an http:// or https:// URL")
        }
        return text
    }

    /// The region of an AWS queue URL (`https://sqs.us-east-1.amazonaws.com/…`), else nil.
    static func regionOfQueue(_ url: String) -> String? {
        guard let host = URL(string: url)?.host, host.hasPrefix("sqs."), host.hasSuffix(".amazonaws.com") else { return nil }
        let region = host.dropFirst(4).dropLast(".amazonaws.com".count)
        return region.isEmpty || region.contains(".") ? nil : String(region)
    }
}
