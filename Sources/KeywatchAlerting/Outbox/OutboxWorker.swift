import Foundation
import KeywatchCore
import KeywatchStore
import Logging

/// What a worker did with one delivery, for metrics.
public enum DeliveryResult: String, Sendable, CaseIterable {
    case delivered, retrying, dead
}

/// Delivers one sink's outbox: takes the deliveries that are due, oldest first, tries each
/// once, and records the outcome — delivered, retried later (exponential backoff with jitter,
/// or the receiver's `Retry-After`), or dead (refused for good, or failing past the sink's
/// maximum age). Runs on its own thread with its own connection, so a slow receiver holds up
/// neither the writer nor the other sinks.
///
/// An alert is committed with its outbox rows before anything is sent; a worker that dies
/// mid-attempt leaves the row pending, and the next start delivers it — so every alert reaches
/// every sink, and at most an attempt the receiver took just before a crash is repeated (with
/// the same `webhook-id` / `Message-ID`, so the receiver can tell).
public final class OutboxWorker: @unchecked Sendable {
    public let sink: any AlertSink
    private let storePath: String
    private let logger: Logger
    private let onResult: @Sendable (String, DeliveryResult, Int) -> Void
    private let condition = NSCondition()
    private var woken = false
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private var rate: RateLimit

    /// - Parameter onResult: after each delivery's outcome is recorded: the sink, the result,
    ///   and the deliveries still pending for the sink.
    public init(sink: any AlertSink, storePath: String, logger: Logger,
                onResult: @escaping @Sendable (String, DeliveryResult, Int) -> Void = { _, _, _ in }) {
        self.sink = sink
        self.storePath = storePath
        self.logger = logger
        self.onResult = onResult
        rate = RateLimit(perMinute: sink.policy.maximumPerMinute)
    }

    public func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "keywatch-outbox-\(sink.name)"
        thread.start()
    }

    /// New deliveries were committed: look now rather than at the next poll.
    public func wake() {
        condition.withLock {
            woken = true
            condition.signal()
        }
    }

    /// Abandons the attempt under way (its delivery stays pending) and returns when the thread is done.
    public func stop() {
        condition.withLock {
            stopping = true
            condition.signal()
        }
        finished.wait()
    }

    private var isStopping: Bool { condition.withLock { stopping } }

    /// Sleeps until `deadline`, a wake-up or stop; returns false when stopping.
    private func sleep(until deadline: Date) -> Bool {
        condition.withLock {
            while !stopping && !woken && Date() < deadline { _ = condition.wait(until: deadline) }
            woken = false
            return !stopping
        }
    }

    private func run() {
        var outbox: Outbox?
        var reader: EventReader?
        while !isStopping {
            do {
                if outbox == nil { outbox = try Outbox(path: storePath) }
                if reader == nil, sink.wantsEvidence { reader = try EventReader(path: storePath) }
                let due = try outbox!.due(sink: sink.name, at: .now)
                if due.isEmpty {
                    let next = try outbox!.nextAttempt(sink: sink.name).map(\.date) ?? .distantFuture
                    _ = sleep(until: min(next, Date().addingTimeInterval(5)))
                    continue
                }
                for delivery in due {
                    guard try attempt(delivery, outbox: outbox!, reader: reader) else { break }
                }
            } catch {
                logger.error("outbox: cannot read or update the store; trying again", metadata: ["sink": "\(sink.name)", "error": "\(error)"])
                outbox = nil
                reader = nil
                _ = sleep(until: Date().addingTimeInterval(1))
            }
        }
    }

    /// One attempt at one delivery, its outcome recorded. Returns false when stopping.
    private func attempt(_ delivery: Delivery, outbox: Outbox, reader: EventReader?) throws(StoreError) -> Bool {
        let policy = sink.policy
        let deadline = delivery.created.date.addingTimeInterval(policy.maximumAge)
        if Date() >= deadline {
            try outbox.markDead(delivery.id, error: "gave up: not delivered within \(Self.duration(policy.maximumAge))"
                                + (delivery.lastError.map { "; last error: \($0)" } ?? ""), attempted: false, at: .now)
            report(.dead, outbox: outbox)
            return true
        }
        var alert: OutgoingAlert
        do {
            alert = try OutgoingAlert(json: delivery.alertJSON, announces: delivery.announces)
        } catch {
            // A damaged row: no retry can read it, and sending it would be sending an alert
            // with fields missing. The sink is not asked; `alerts list` shows the delivery dead.
            let why = "cannot read the stored alert: \(error)"
            try outbox.markDead(delivery.id, error: why, attempted: false, at: .now)
            logger.error("alert not delivered; giving up", metadata: ["sink": "\(sink.name)", "alert": "\(delivery.alertID)", "error": "\(why)"])
            report(.dead, outbox: outbox)
            return true
        }
        while let wait = rate.take() {
            if !sleep(until: Date().addingTimeInterval(wait)) { return false }
        }
        if let reader { alert.events = evidence(alert.alert.events, of: delivery, in: reader) }
        let outcome = Result { () throws(DeliveryError) in
            try sink.deliver(alert, isCancelled: { [weak self] in self?.isStopping ?? true })
        }
        switch outcome {
        case .success(let receipt):
            try outbox.markDelivered(delivery.id, at: .now)
            logger.info("alert delivered", metadata: ["sink": "\(sink.name)", "alert": "\(delivery.alertID)", "answer": "\(receipt)",
                                                      "attempt": "\(delivery.attempts + 1)"])
            report(.delivered, outbox: outbox)
        case .failure(let error) where error.kind == .cancelled:
            return false
        case .failure(let error):
            let attempts = delivery.attempts + 1
            let retryAt = Date().addingTimeInterval(error.retryAfter ?? policy.retryDelay(afterAttempts: attempts))
            if error.isPermanent || retryAt >= deadline {
                let why = error.isPermanent ? error.description
                    : "\(error.description) (gave up after \(attempts) attempt\(attempts == 1 ? "" : "s"): the next would be past max_age \(Self.duration(policy.maximumAge)))"
                try outbox.markDead(delivery.id, error: why, attempted: true, at: .now)
                logger.error("alert not delivered; giving up", metadata: ["sink": "\(sink.name)", "alert": "\(delivery.alertID)", "error": "\(why)"])
                report(.dead, outbox: outbox)
            } else {
                try outbox.markFailed(delivery.id, error: error.description, retryAt: Timestamp(retryAt), at: .now)
                logger.warning("alert delivery failed; will retry", metadata: [
                    "sink": "\(sink.name)", "alert": "\(delivery.alertID)", "error": "\(error)", "attempt": "\(attempts)",
                    "retry_in": "\(String(format: "%.1f", retryAt.timeIntervalSinceNow))s",
                ])
                report(.retrying, outbox: outbox)
            }
        }
        return true
    }

    private func report(_ result: DeliveryResult, outbox: Outbox) {
        let pending = (try? outbox.pendingCount(sink: sink.name)) ?? 0
        onResult(sink.name, result, pending)
    }

    /// The alert's evidence events still in the store (e-mail shows them).
    private func evidence(_ keys: [String], of delivery: Delivery, in reader: EventReader) -> [Event] {
        guard !keys.isEmpty else { return [] }
        var filter = EventFilter()
        filter.since = delivery.firstSeen
        filter.until = delivery.lastSeen + EventDuration(microseconds: 1)
        filter.keys = keys
        return (try? reader.events(matching: filter)) ?? []
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds)
        if Double(whole) != seconds { return String(format: "%gs", seconds) }
        if whole % 86_400 == 0 { return "\(whole / 86_400)d" }
        if whole % 3600 == 0 { return "\(whole / 3600)h" }
        if whole % 60 == 0 { return "\(whole / 60)m" }
        return "\(whole)s"
    }
}
