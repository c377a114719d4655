import Foundation
import KeywatchCore
import KeywatchStore
import Logging
import Synchronization

/// The `sqs:` input: CloudTrail files read from S3 as a queue of notifications announces them.
///
/// ``DaemonConfiguration/Queue/receivers`` threads (``QueueReceiver``) each receive up to 10
/// messages at a time (long polling), read what each names (``ObjectNotification``: S3 events,
/// SNS-wrapped or CloudTrail's own, EventBridge), fetch each object not read before and hand its
/// events to the writer with the object's identity. A message is deleted only once all its
/// objects are committed, so a crash at any step leaves it on the queue, and its next receive
/// finds the objects committed (by bucket, key and ETag) or reads them again (their events found
/// by key and stored once). A heartbeat thread keeps messages in flight hidden from other
/// receivers while their objects are read.
///
/// A message that cannot be read — not a notification, an object that cannot be fetched — goes
/// back to the queue after a short delay; once it has failed ``DaemonConfiguration/Queue/maximumReceives``
/// times it is recorded as a reject with its reason and deleted. A message that stops the
/// process itself is the queue's redrive policy's to move to a dead-letter queue.
///
/// Several daemons on one queue share its messages: SQS gives each message to one receiver at a
/// time.
///
/// ```yaml
/// sqs:
///   - queue_url: https://sqs.us-east-1.amazonaws.com/111122223333/cloudtrail-notifications
///     max_receives: 5
/// ```
public final class QueueInput: @unchecked Sendable {
    public let settings: DaemonConfiguration.Queue
    let credentials: AWSCredentialProvider
    let writer: StoreWriter
    let storePath: String
    let metrics: DaemonMetrics
    let logger: Logger
    let problems: ThrottledLog
    let threads = InputThreads()
    /// Each receiver's messages in flight, which the heartbeat keeps hidden.
    private let inFlights: [MessagesInFlight]
    /// Receivers busy with messages: the input is caught up only when none is.
    let busyReceivers = Atomic<Int>(0)
    /// Failed reads of each message seen by this process, by message id.
    let failures = MessageFailures()
    /// The largest object a receiver reads: their sum stays within 512 MiB, as one file's
    /// reading is bounded, with 64 MiB each at least (CloudTrail's files are a few MB).
    let maximumObjectBytes: Int

    public init(settings: DaemonConfiguration.Queue, credentials: AWSCredentialProvider, writer: StoreWriter, storePath: String,
                metrics: DaemonMetrics, logger: Logger) {
        self.settings = settings
        self.credentials = credentials
        self.writer = writer
        self.storePath = storePath
        self.metrics = metrics
        self.logger = logger
        problems = ThrottledLog(logger: logger)
        inFlights = (0..<settings.receivers).map { _ in MessagesInFlight() }
        maximumObjectBytes = max(64 << 20, (512 << 20) / settings.receivers)
    }

    /// The input's name (watermarks, metrics, origins of its rejects).
    public var inputName: String { settings.inputName }

    /// Starts the receivers — each receives, fetches and decodes on its own, so the latency of
    /// one's calls overlaps the others' work — and the heartbeat.
    public func start() {
        for (index, inFlight) in inFlights.enumerated() {
            threads.start("keywatch-sqs-\(index)") { [self] in QueueReceiver(input: self, inFlight: inFlight).run() }
        }
        threads.start("keywatch-sqs-hb") { [self] in keepHidden() }
    }

    /// Stops receiving (receives under way are given up) and returns when the threads are done.
    /// Messages whose objects are not yet committed stay on the queue, to be received again.
    public func stop() {
        threads.stop()
    }

    var isStopping: Bool { threads.isStopping }

    /// A client with credentials valid now.
    func client() throws -> SQSClient {
        SQSClient(queueURL: settings.queueURL, region: settings.region, endpoint: settings.endpoint, credentials: try credentials.current())
    }

    func s3Client() throws -> S3Client {
        var client = S3Client(region: settings.region, endpoint: settings.endpoint, credentials: try credentials.current())
        client.maximumObjectBytes = maximumObjectBytes
        return client
    }

    /// Keeps the receivers' messages in flight hidden while their objects are read and committed
    /// — a large object can take longer than the visibility timeout — checking a few times per
    /// timeout, on a thread of its own so that a long fetch or decode does not hold it up.
    private func keepHidden() {
        let visibility = Int(settings.visibilityTimeout.microseconds / 1_000_000)
        let period = min(max(Double(visibility) / 4, 0.5), 10)
        while !isStopping {
            if let client = try? client() {
                for inFlight in inFlights {
                    for message in inFlight.dueForExtension(visibility: visibility) {
                        do {
                            try client.hide(message, for: visibility)
                        } catch {
                            problems.warning("sqs-visibility-\(inputName)", "sqs: cannot keep a message in flight hidden; another receiver may read it too",
                                             metadata: ["message": "\(message.id)", "error": "\(error)"])
                        }
                    }
                }
            }
            threads.pause(seconds: period)
        }
    }
}

/// How many times this process has failed to read each message, shared by an input's receivers
/// (SQS's own receive count also grows with every restart, which is not the message's fault).
final class MessageFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    /// Counts a failure of the message; returns how many there have been.
    func count(_ id: String) -> Int {
        lock.withLock {
            counts[id, default: 0] += 1
            return counts[id]!
        }
    }

    /// The message is done with (deleted or rejected).
    func forget(_ id: String) {
        _ = lock.withLock { counts.removeValue(forKey: id) }
    }
}
