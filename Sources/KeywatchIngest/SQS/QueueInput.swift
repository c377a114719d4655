import Foundation
import KeywatchCore
import KeywatchStore
import Logging
import Synchronization

/// The `sqs:` input: CloudTrail files read from S3 as a queue of notifications announces them.
///
/// On its own thread it receives up to 10 messages at a time (long polling), reads what each
/// names (``ObjectNotification``: S3 events, SNS-wrapped or CloudTrail's own, EventBridge),
/// fetches each object not read before and hands its events to the writer with the object's
/// identity. A message is deleted only once all its objects are committed, so a crash at any
/// step leaves it on the queue, and its next receive finds the objects committed (by bucket,
/// key and ETag) or reads them again (their events found by key and stored once). Messages in
/// flight are hidden from other receivers for longer while their objects are read.
///
/// A message that cannot be read — not a notification, an object that cannot be fetched — goes
/// back to the queue after a short delay; once received ``DaemonConfiguration/Queue/maximumReceives``
/// times it is recorded as a reject with its reason and deleted (a dead-letter queue's redrive
/// policy, if the queue has one with a lower count, takes it first).
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
    private let credentials: AWSCredentialProvider
    private let writer: StoreWriter
    private let storePath: String
    private let metrics: DaemonMetrics
    private let logger: Logger
    private let problems: ThrottledLog
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// Each receiver's messages in flight, which the heartbeat keeps hidden.
    private let inFlights: [MessagesInFlight]
    /// Receivers busy with messages: the input is caught up only when none is.
    private let busyReceivers = Atomic<Int>(0)
    /// Seconds a receive waits for a first message when nothing is in flight.
    private let longPoll = 20

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
    }

    /// The input's name (watermarks, metrics, origins of its rejects).
    public var inputName: String { settings.inputName }

    /// Starts ``DaemonConfiguration/Queue/receivers`` receiving threads: each receives, fetches
    /// and decodes on its own, so the latency of one's calls overlaps the others' work.
    public func start() {
        for (index, inFlight) in inFlights.enumerated() {
            let thread = Thread { [self] in
                ThreadName.set("keywatch-sqs-\(index)")
                run(inFlight)
                finished.signal()
            }
            thread.name = "keywatch-sqs-\(index)"
            thread.start()
        }
        let heartbeat = Thread { [self] in
            ThreadName.set("keywatch-sqs-hb")
            keepHidden()
            finished.signal()
        }
        heartbeat.name = "keywatch-sqs-hb"
        heartbeat.start()
    }

    /// Stops receiving (receives under way are given up) and returns when the threads are done.
    /// Messages whose objects are not yet committed stay on the queue, to be received again.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        for _ in 0...settings.receivers { wake.signal() }
        for _ in 0...settings.receivers { finished.wait() }
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    private func run(_ inFlight: MessagesInFlight) {
        let reader: EventReader
        do {
            reader = try EventReader(path: storePath)
        } catch {
            logger.critical("sqs: cannot open the store to read", metadata: ["error": "\(error)"])
            return
        }
        let objects = S3ObjectIngest(input: inputName, writer: writer, metrics: metrics, logger: logger)
        let visibility = Int(settings.visibilityTimeout.microseconds / 1_000_000)
        var busy = false
        var toldCaughtUp = false
        var lastCount = Date.distantPast
        while !isStopping {
            do {
                let client = try self.client()
                try deleteCommitted(client, inFlight: inFlight)
                let cancelled: @Sendable () -> Bool = { [self] in isStopping }
                // While messages wait for their commits, receive without waiting, to delete them soon.
                let messages = try client.receive(wait: inFlight.count > 0 ? 1 : longPoll, visibility: visibility, isCancelled: cancelled)
                if Date().timeIntervalSince(lastCount) > 60 || messages.isEmpty {
                    lastCount = Date()
                    let waiting = (try? client.messageCounts())?.waiting ?? nil
                    metrics.updateInput(inputName) { $0.lagMessages = waiting }
                }
                let oldest = messages.compactMap(\.sentAt).min()
                metrics.updateInput(inputName) {
                    $0.messages += messages.count
                    if let oldest { $0.lagSeconds = max(0, Double(Timestamp.now.microseconds - oldest.microseconds) / 1e6) }
                    if messages.isEmpty { $0.lagSeconds = 0 }
                }
                if messages.isEmpty {
                    if busy {
                        busy = false
                        busyReceivers.wrappingSubtract(1, ordering: .relaxed)
                    }
                    // Caught up once no receiver has messages: said once per idle spell.
                    if !toldCaughtUp, inFlight.count == 0, busyReceivers.load(ordering: .relaxed) == 0 {
                        toldCaughtUp = true
                        try objects.flush(caughtUp: true)
                    }
                    continue
                }
                toldCaughtUp = false
                if !busy {
                    busy = true
                    busyReceivers.wrappingAdd(1, ordering: .relaxed)
                }
                for message in messages where !isStopping {
                    try read(message, client: { try self.client() }, objects: objects, inFlight: inFlight, reader: reader,
                             visibility: visibility)
                }
                try objects.flush(caughtUp: false)
            } catch let error as StoreError {
                logger.error("sqs: the writer stopped; the input stops", metadata: ["error": "\(error)"])
                return
            } catch let error as SQSError where error.cancelled {
                return
            } catch {
                problems.warning("sqs-\(inputName)", "sqs: cannot read the queue; retrying",
                                 metadata: ["queue": "\(settings.queueURL)", "error": "\(error)"])
                _ = wake.wait(timeout: .now() + 5)
            }
        }
    }

    /// A client with credentials valid now.
    private func client() throws -> SQSClient {
        SQSClient(queueURL: settings.queueURL, region: settings.region, endpoint: settings.endpoint, credentials: try credentials.current())
    }

    private func s3Client() throws -> S3Client {
        S3Client(region: settings.region, endpoint: settings.endpoint, credentials: try credentials.current())
    }

    /// Reads what one message names; its deletion waits for its objects' commits.
    private func read(_ message: SQSMessage, client: () throws -> SQSClient, objects: S3ObjectIngest, inFlight: MessagesInFlight,
                      reader: EventReader, visibility: Int) throws {
        inFlight.received(message, visibility: visibility)
        let notification: ObjectNotification
        do {
            notification = try ObjectNotification.parse(message.body)
        } catch {
            return try refuse(message, reason: "not a notification of new objects: \(error.reason)", client: client(), objects: objects,
                              inFlight: inFlight)
        }
        switch notification {
        case .skipped(let reason):
            metrics.updateInput(inputName) { $0.skippedMessages[Self.label(ofSkip: reason), default: 0] += 1 }
        case .objects(let references):
            let s3 = try s3Client()
            for reference in references {
                if let eTag = reference.eTag, try reader.contains(StoredObject(bucket: reference.bucket, key: reference.key, etag: eTag)) {
                    metrics.updateInput(inputName) { $0.skippedMessages["already-read", default: 0] += 1 }
                    continue
                }
                do {
                    try objects.read(reference, with: s3) { inFlight.committed(message.id) }
                } catch let error as S3Error {
                    return try refuse(message, reason: "\(reference): \(error)", client: client(), objects: objects, inFlight: inFlight)
                }
                // Counted after the hand-over, which may already have committed: the message
                // cannot be deleted before ``MessagesInFlight/finished(_:)`` anyway.
                inFlight.handedOver(message.id)
            }
        }
        inFlight.finished(message.id)
    }

    /// A message that cannot be read: back to the queue after a delay growing with its receives,
    /// or, at ``DaemonConfiguration/Queue/maximumReceives``, a reject committed before its deletion.
    private func refuse(_ message: SQSMessage, reason: String, client: SQSClient, objects: S3ObjectIngest,
                        inFlight: MessagesInFlight) throws {
        guard message.receiveCount >= settings.maximumReceives else {
            inFlight.forget(message.id)
            problems.warning("sqs-refused-\(inputName)", "sqs: a message cannot be read; it goes back to the queue",
                             metadata: ["message": "\(message.id)", "receives": "\(message.receiveCount)", "reason": "\(reason)"])
            try client.hide(message, for: min(1 << min(message.receiveCount - 1, 8), 300))
            return
        }
        logger.warning("sqs: a message that cannot be read is recorded as a reject and deleted", metadata: [
            "message": "\(message.id)", "receives": "\(message.receiveCount)", "reason": "\(reason)",
        ])
        inFlight.handedOver(message.id)
        inFlight.finished(message.id)
        objects.reject(Reject(origin: Origin(input: "\(inputName)#\(message.id)", offset: nil),
                              reason: "received \(message.receiveCount) times: \(reason)", prefix: message.body)) {
            inFlight.committed(message.id)
        }
    }

    /// Deletes the messages whose objects are all committed. One that is not deleted is received
    /// again later: its objects are found committed, and it is deleted then.
    private func deleteCommitted(_ client: SQSClient, inFlight: MessagesInFlight) throws {
        let done = inFlight.takeDeletable()
        guard !done.isEmpty else { return }
        do {
            for (message, reason) in try client.delete(done) {
                problems.warning("sqs-delete-\(inputName)", "sqs: cannot delete a read message; it will be received again",
                                 metadata: ["message": "\(message.id)", "error": "\(reason)"])
            }
        } catch {
            problems.warning("sqs-delete-\(inputName)", "sqs: cannot delete read messages; they will be received again",
                             metadata: ["messages": "\(done.count)", "error": "\(error)"])
        }
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
            _ = wake.wait(timeout: .now() + period)
        }
    }

    /// The `reason` label of a skipped message in /metrics.
    static func label(ofSkip reason: String) -> String {
        if reason.contains("test event") { return "test-event" }
        if reason.contains("digest") { return "digest" }
        if reason.hasPrefix("SNS") { return "sns-control" }
        return "not-created"
    }
}
