import Foundation
import KeywatchCore
import KeywatchStore
import Logging

/// The `s3:` input: a bucket prefix listed in key order on an interval, each new object read once.
///
/// A listing starts a day before the last key committed (``listingStart(after:)``) — CloudTrail
/// names its files by account, region and time, and a file may land minutes after a later one
/// of the same hour — and reads every object it finds that is not already committed by bucket,
/// key and ETag. The last key read is committed with the object's events, so a restart lists
/// from there. Keys of another region sort elsewhere in the prefix: give each region its own
/// prefix (or use `sqs:`).
///
/// ```yaml
/// s3:
///   - bucket: org-cloudtrail
///     prefix: AWSLogs/111122223333/CloudTrail/us-east-1/
///     interval: 1m
/// ```
public final class ListingInput: @unchecked Sendable {
    public let settings: DaemonConfiguration.Listing
    private let credentials: AWSCredentialProvider
    private let writer: StoreWriter
    private let storePath: String
    private let metrics: DaemonMetrics
    private let logger: Logger
    private let problems: ThrottledLog
    private let threads = InputThreads()
    /// The last key read, as committed when the daemon started.
    private var lastKey: String?
    /// Failed reads of objects not read yet, by key.
    private var failures: [String: Int] = [:]
    /// Listings that fail to read an object before it is recorded as a reject and passed.
    static let attemptsPerObject = 5

    /// - Parameter lastKey: the position the store holds for this input.
    public init(settings: DaemonConfiguration.Listing, lastKey: String?, credentials: AWSCredentialProvider, writer: StoreWriter,
                storePath: String, metrics: DaemonMetrics, logger: Logger) {
        self.settings = settings
        self.lastKey = lastKey
        self.credentials = credentials
        self.writer = writer
        self.storePath = storePath
        self.metrics = metrics
        self.logger = logger
        problems = ThrottledLog(logger: logger)
    }

    /// The input's name (watermarks, metrics, the store's positions).
    public var inputName: String { settings.inputName }

    public func start() {
        threads.start("keywatch-s3") { [self] in run() }
    }

    /// Stops after the object being read; returns when the thread is done.
    public func stop() {
        threads.stop()
    }

    private var isStopping: Bool { threads.isStopping }

    private func run() {
        let reader: EventReader
        do {
            reader = try EventReader(path: storePath)
        } catch {
            logger.critical("s3: cannot open the store to read", metadata: ["error": "\(error)"])
            return
        }
        let objects = S3ObjectIngest(input: inputName, writer: writer, metrics: metrics, logger: logger)
        let interval = Double(settings.interval.microseconds) / 1e6
        while !isStopping {
            do {
                let complete = try readListing(objects: objects, reader: reader)
                try objects.flush(caughtUp: complete)
            } catch let error as StoreError where writer.failure != nil {
                logger.error("s3: the writer stopped; the input stops", metadata: ["error": "\(error)"])
                return
            } catch {
                problems.warning("s3-\(inputName)", "s3: cannot list or read the bucket; retrying at the next interval",
                                 metadata: ["bucket": "\(settings.bucket)", "prefix": "\(settings.prefix)", "error": "\(error)"])
                // A bucket that cannot be listed delivers nothing: detection's clock is not held for it.
                try? objects.flush(caughtUp: true)
            }
            threads.pause(seconds: interval)
        }
    }

    /// Reads every object of one listing not committed yet, in key order; returns whether it
    /// read to the listing's end (not cut short by an object that cannot be read, or by a stop).
    private func readListing(objects: S3ObjectIngest, reader: EventReader) throws -> Bool {
        let client = S3Client(region: settings.region, endpoint: settings.endpoint, credentials: try credentials.current())
        var continuation: String?
        let start = lastKey.map(Self.listingStart(after:))
        repeat {
            let page = try client.list(bucket: settings.bucket, prefix: settings.prefix, startAfter: start, continuation: continuation)
            for object in page.objects where !object.isCloudTrailDigest {
                if isStopping { return false }
                if let eTag = object.eTag, try reader.contains(StoredObject(bucket: object.bucket, key: object.key, etag: eTag)) { continue }
                let position = max(lastKey ?? "", object.key)
                do {
                    try objects.read(object, with: client, position: InputPosition(input: inputName, position: position)) {}
                } catch let error as S3Error {
                    // The listing stops there, and the next one starts again from it; an object
                    // that fails every time becomes a reject, so one bad object cannot stop the input.
                    failures[object.key, default: 0] += 1
                    guard failures[object.key, default: 0] >= Self.attemptsPerObject else {
                        problems.warning("s3-object-\(inputName)", "s3: cannot read an object; trying again at the next listing",
                                         metadata: ["object": "\(TerminalText.escape(object.description))", "error": "\(error)"])
                        return false
                    }
                    failures[object.key] = nil
                    logger.warning("s3: an object that cannot be read is recorded as a reject and passed",
                                   metadata: ["object": "\(TerminalText.escape(object.description))", "error": "\(error)"])
                    objects.reject(Reject(origin: Origin(input: "\(object)", offset: nil),
                                          reason: "read \(Self.attemptsPerObject) times without success: \(error)", prefix: []),
                                   position: InputPosition(input: inputName, position: position)) {}
                }
                failures[object.key] = nil
                lastKey = position
            }
            continuation = page.continuation
        } while continuation != nil && !isStopping
        return !isStopping
    }

    /// Where a listing resumes after `key`: a day before it when the key has CloudTrail's
    /// `/YYYY/MM/DD/` directories (a file can land after a later one), else just after it.
    static func listingStart(after key: String) -> String {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 4 else { return key }
        for index in stride(from: parts.count - 4, through: 0, by: -1) {
            let (year, month, day) = (parts[index], parts[index + 1], parts[index + 2])
            guard year.count == 4, month.count == 2, day.count == 2,
                  let date = Timestamp(parsing: "\(year)-\(month)-\(day)") else { continue }
            let dayBefore = (date - .days(1)).rfc3339.prefix(10).replacingOccurrences(of: "-", with: "/")
            return (parts[..<index] + [Substring(dayBefore)]).joined(separator: "/") + "/"
        }
        return key
    }
}
