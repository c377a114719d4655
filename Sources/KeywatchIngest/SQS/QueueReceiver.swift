import Foundation
import KeywatchCore
import KeywatchStore
import Logging

/// One of a ``QueueInput``'s receiving threads: receive, read what each message names, hand
/// the events over, delete the messages whose objects are committed — in a loop until the input
/// stops or the writer fails.
struct QueueReceiver {
    let input: QueueInput
    let inFlight: MessagesInFlight
    /// Seconds a receive waits for a first message when nothing is in flight.
    private let longPoll = 20

    init(input: QueueInput, inFlight: MessagesInFlight) {
        self.input = input
        self.inFlight = inFlight
    }

    private var name: String { input.inputName }

    func run() {
        let reader: EventReader
        do {
            reader = try EventReader(path: input.storePath)
        } catch {
            input.logger.critical("sqs: cannot open the store to read", metadata: ["error": "\(error)"])
            return
        }
        let objects = S3ObjectIngest(input: name, writer: input.writer, metrics: input.metrics, logger: input.logger)
        let visibility = Int(input.settings.visibilityTimeout.microseconds / 1_000_000)
        var busy = false
        var toldCaughtUp = false
        var lastCount = Date.distantPast
        /// Caught up once no receiver has messages: said once per idle spell.
        func idle() throws {
            if busy {
                busy = false
                input.busyReceivers.wrappingSubtract(1, ordering: .relaxed)
            }
            if !toldCaughtUp, inFlight.count == 0, input.busyReceivers.load(ordering: .relaxed) == 0 {
                toldCaughtUp = true
                try objects.flush(caughtUp: true)
            }
        }
        while !input.isStopping {
            do {
                let client = try input.client()
                try deleteCommitted(client)
                let cancelled: @Sendable () -> Bool = { [input] in input.isStopping }
                // While messages wait for their commits, receive without waiting, to delete them soon.
                let messages = try client.receive(wait: inFlight.count > 0 ? 1 : longPoll, visibility: visibility, isCancelled: cancelled)
                // Busy before any other call, so no other receiver says the input caught up meanwhile.
                if !messages.isEmpty {
                    toldCaughtUp = false
                    if !busy {
                        busy = true
                        input.busyReceivers.wrappingAdd(1, ordering: .relaxed)
                    }
                }
                // All of them hidden by the heartbeat from now, not each from its turn.
                for message in messages { inFlight.received(message, visibility: visibility) }
                if Date().timeIntervalSince(lastCount) > 60 || messages.isEmpty {
                    lastCount = Date()
                    let waiting = (try? client.messageCounts())?.waiting ?? nil
                    input.metrics.updateInput(name) { $0.lagMessages = waiting }
                }
                let oldest = messages.compactMap(\.sentAt).min()
                input.metrics.updateInput(name) {
                    $0.messages += messages.count
                    if let oldest { $0.lagSeconds = max(0, Double(Timestamp.now.microseconds - oldest.microseconds) / 1e6) }
                    if messages.isEmpty { $0.lagSeconds = 0 }
                }
                if messages.isEmpty {
                    try idle()
                    continue
                }
                for (index, message) in messages.enumerated() {
                    if input.isStopping {
                        for rest in messages[index...] { inFlight.forget(rest) }
                        break
                    }
                    do {
                        try read(message, objects: objects, reader: reader)
                    } catch let error as StoreError where input.writer.failure != nil {
                        throw error
                    } catch {
                        // Credentials, the store's reader, the queue: given back to be read again.
                        giveBack(message, reason: "\(error)", client: client)
                    }
                }
                try objects.flush(caughtUp: false)
            } catch let error as StoreError where input.writer.failure != nil {
                input.logger.error("sqs: the writer stopped; the input stops", metadata: ["error": "\(error)"])
                return
            } catch let error as SQSError where error.cancelled {
                return
            } catch {
                input.problems.warning("sqs-\(name)", "sqs: cannot read the queue; retrying",
                                       metadata: ["queue": "\(input.settings.queueURL)", "error": "\(error)"])
                // A queue that cannot be read delivers nothing: detection's clock is not held for it.
                try? idle()
                input.threads.pause(seconds: 5)
            }
        }
    }

    /// Reads what one message names; its deletion waits for its objects' commits.
    private func read(_ message: SQSMessage, objects: S3ObjectIngest, reader: EventReader) throws {
        let notification: ObjectNotification
        do {
            notification = try ObjectNotification.parse(message.body)
        } catch {
            return try refuse(message, reason: "not a notification of new objects: \(error.reason)", objects: objects)
        }
        switch notification {
        case .skipped(let reason):
            input.metrics.updateInput(name) { $0.skippedMessages[Self.label(ofSkip: reason), default: 0] += 1 }
        case .objects(let references):
            let s3 = try input.s3Client()
            for reference in references {
                if try isCommitted(reference, reader: reader) {
                    input.metrics.updateInput(name) { $0.skippedMessages["already-read", default: 0] += 1 }
                    continue
                }
                let inFlight = self.inFlight
                do {
                    try objects.read(reference, with: s3) { inFlight.committed(message) }
                } catch let error as S3Error {
                    return try refuse(message, reason: "\(reference): \(error)", objects: objects)
                }
                // Counted after the hand-over, which may already have committed: the message
                // cannot be deleted before ``MessagesInFlight/finished(_:)`` anyway.
                inFlight.handedOver(message)
            }
        }
        inFlight.finished(message)
    }

    /// Whether an object's events are committed: by its ETag, or — for CloudTrail's own
    /// notifications, which give none — by its key (CloudTrail never writes a key twice).
    private func isCommitted(_ reference: S3ObjectReference, reader: EventReader) throws -> Bool {
        guard let eTag = reference.eTag else { return try reader.containsObject(bucket: reference.bucket, key: reference.key) }
        return try reader.contains(StoredObject(bucket: reference.bucket, key: reference.key, etag: eTag))
    }

    /// A message that cannot be read: back to the queue after a delay growing with its failures,
    /// or, once it has failed ``DaemonConfiguration/Queue/maximumReceives`` times, a reject
    /// committed before its deletion.
    private func refuse(_ message: SQSMessage, reason: String, objects: S3ObjectIngest) throws {
        let failures = input.failures.count(message.id)
        guard failures >= input.settings.maximumReceives else {
            giveBack(message, reason: reason, client: try? input.client(), after: min(1 << min(failures - 1, 8), 300))
            return
        }
        input.failures.forget(message.id)
        input.logger.warning("sqs: a message that cannot be read is recorded as a reject and deleted", metadata: [
            "message": "\(message.id)", "failures": "\(failures)", "reason": "\(TerminalText.escape(reason))",
        ])
        inFlight.handedOver(message)
        inFlight.finished(message)
        let inFlight = self.inFlight
        objects.reject(Reject(origin: Origin(input: "\(name)#\(message.id)", offset: nil),
                              reason: "failed \(failures) times: \(reason)", prefix: message.body)) {
            inFlight.committed(message)
        }
    }

    /// Gives a message back to the queue, visible again after `delay` seconds (or when its
    /// visibility timeout ends, without a client).
    private func giveBack(_ message: SQSMessage, reason: String, client: SQSClient?, after delay: Int = 5) {
        inFlight.forget(message)
        input.problems.warning("sqs-refused-\(name)", "sqs: a message cannot be read now; it goes back to the queue",
                               metadata: ["message": "\(message.id)", "receives": "\(message.receiveCount)",
                                          "reason": "\(TerminalText.escape(reason))"])
        try? client?.hide(message, for: delay)
    }

    /// Deletes the messages whose objects are all committed. One that is not deleted is received
    /// again later: its objects are found committed, and it is deleted then.
    private func deleteCommitted(_ client: SQSClient) throws {
        let done = inFlight.takeDeletable()
        guard !done.isEmpty else { return }
        for message in done { input.failures.forget(message.id) }
        do {
            for (message, reason) in try client.delete(done) {
                input.problems.warning("sqs-delete-\(name)", "sqs: cannot delete a read message; it will be received again",
                                       metadata: ["message": "\(message.id)", "error": "\(TerminalText.escape(reason))"])
            }
        } catch {
            input.problems.warning("sqs-delete-\(name)", "sqs: cannot delete read messages; they will be received again",
                                   metadata: ["messages": "\(done.count)", "error": "\(error)"])
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
