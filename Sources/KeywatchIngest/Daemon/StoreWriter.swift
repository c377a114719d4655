import Foundation
import KeywatchCore
import KeywatchStore
import Logging
import Synchronization

/// The daemon's one writer: owns the store on its own thread; tailing and HTTP pushes feed it
/// through a bounded queue.
///
/// Requests waiting together commit in one transaction — their events, rejects, tailing
/// offsets and idempotency keys — and only then are the requests answered. Detection runs on
/// each batch beside the writer (``DetectionStage/overlapping``): its alerts are stored with
/// the next commit, or in one of their own when no other request is waiting, and handed on
/// after that commit. So an answered push is durable, an offset never runs ahead of its
/// events, and an alert is stored before any sink sees it.
///
/// Detection's clock follows the inputs' watermarks (``InputWatermarks``): each request says how
/// far its inputs have delivered and whether they have more waiting, and the writer moves the
/// clock to the slowest input's watermark with each commit, and every ``Options/advanceInterval``
/// while no event comes (the wall clock then stands in for idle inputs).
public final class StoreWriter: @unchecked Sendable {
    public struct Options: Sendable {
        /// Requests waiting at most; tailing then waits and pushes are refused (503).
        public var queueDepth: Int
        /// Tailed batches waiting at most, fewer than ``queueDepth``: each holds megabytes of
        /// records, and the writer commits all that wait in one transaction. With 16, the
        /// daemon peaked at 0.55 GB tailing the bench corpus.
        public var tailedBatchesWaiting: Int
        /// How often the wall clock moves idle inputs' watermarks, and with them detection's
        /// clock, when no event does (absence rules).
        public var advanceInterval: TimeInterval
        /// How far behind the wall clock an idle input's watermark stays: the delay with which
        /// logs are delivered (``InputWatermarks/delay``).
        public var deliveryDelay: EventDuration
        /// Events older than this (event time) are deleted; nil keeps everything.
        public var retention: EventDuration?
        /// How often retention looks for old events.
        public var retentionInterval: TimeInterval
        /// How long a push's idempotency key is remembered: a retry after that is a new push.
        public var idempotencyTTL: EventDuration
        /// How often expired idempotency keys are deleted (lookups ignore them meanwhile).
        public var idempotencyPruneInterval: TimeInterval

        public init(queueDepth: Int = 16, tailedBatchesWaiting: Int = 2, advanceInterval: TimeInterval = 15,
                    retention: EventDuration? = nil, retentionInterval: TimeInterval = 3600,
                    idempotencyTTL: EventDuration = .hours(24), idempotencyPruneInterval: TimeInterval = 600,
                    deliveryDelay: EventDuration = .minutes(15)) {
            self.deliveryDelay = deliveryDelay
            self.queueDepth = queueDepth
            self.tailedBatchesWaiting = tailedBatchesWaiting
            self.advanceInterval = advanceInterval
            self.retention = retention
            self.retentionInterval = retentionInterval
            self.idempotencyTTL = idempotencyTTL
            self.idempotencyPruneInterval = idempotencyPruneInterval
        }
    }

    /// The writer cannot take more now.
    public struct Saturated: Error, CustomStringConvertible {
        public var description: String { "the writer is saturated; retry later" }
    }

    private let store: EventStore
    private let queue: BoundedQueue<WriteRequest>
    private let options: Options
    private let metrics: DaemonMetrics
    private let onAlerts: @Sendable ([Alert]) -> Void
    private let onFailure: @Sendable (StoreError) -> Void
    /// Why the writer stopped, if it failed.
    public private(set) var failure: StoreError?
    private let detection: DetectionStage?
    private var attribution: WorkloadAttribution
    private let compressor = RawBlockCompressor()
    private let logger: Logger
    /// Late events, said in the log (writer thread only).
    private var lateEvents: LateEventLog
    private let finished = DispatchSemaphore(value: 0)
    /// How far each input has delivered (writer thread only).
    private var watermarks: InputWatermarks
    /// Pushes queued and not yet committed: the push endpoint is caught up when there are none.
    private let pushesWaiting = Atomic<Int>(0)
    private var lastAdvance = Date.distantPast
    private var lastRetention = Date.distantPast
    /// A retention pass is under way: one slice of old events goes between commits.
    private var retentionCutoff: Timestamp?
    private var retained = RetentionResult()
    private var lastKeyPrune = Date.distantPast
    /// Expired idempotency keys are being deleted, a slice between commits.
    private var pruningKeys = false
    private static let keysPerPrune = 10_000

    /// The input pushes come through (``InputWatermarks``).
    public static let pushInput = "push"

    /// - Parameters:
    ///   - inputs: the inputs that deliver to this writer (``TailSource/inputName`` of each
    ///     tailed root, ``pushInput``): detection's clock waits for the slowest of them.
    ///   - detection: the detection stage (its saved state restored, what came after replayed);
    ///     nil stores without detection.
    ///   - onAlerts: alerts new to the store, after their transaction committed, on the writer thread.
    ///   - onFailure: a commit failed and the writer stopped; the daemon should exit.
    public init(store: EventStore, identities: IdentityMap, inputs: [String] = [], detection: DetectionStage?,
                metrics: DaemonMetrics, options: Options = Options(), logger: Logger,
                onAlerts: @escaping @Sendable ([Alert]) -> Void,
                onFailure: @escaping @Sendable (StoreError) -> Void) throws {
        self.store = store
        self.options = options
        self.metrics = metrics
        self.logger = logger
        lateEvents = LateEventLog(logger: logger, startingFrom: detection?.report)
        self.onAlerts = onAlerts
        self.onFailure = onFailure
        queue = BoundedQueue(capacity: options.queueDepth)
        attribution = WorkloadAttribution(identities: identities, sessions: try store.workloadSessions())
        watermarks = InputWatermarks(inputs: inputs, delay: options.deliveryDelay, restored: try store.inputProgress())
        // Nothing is queued yet: the push endpoint starts caught up.
        if inputs.contains(Self.pushInput) { watermarks.setCaughtUp(true, for: Self.pushInput) }
        self.detection = detection
        if let detection {
            let replayed = detection.takeRaised()
            if detection.replayedBatches > 0 {
                logger.info("detection resumed", metadata: ["replayed_batches": "\(detection.replayedBatches)"])
            }
            onAlerts(replayed)
            metrics.setDetection(detection.report)
        }
    }

    /// Starts the writer thread.
    public func start() {
        let thread = Thread { [self] in
            ThreadName.set("keywatch-writer")
            run()
            finished.signal()
        }
        thread.name = "keywatch-writer"
        thread.start()
    }

    /// Queues a tailed batch, waiting until fewer than ``Options/tailedBatchesWaiting`` requests
    /// wait (tailing slows down instead of piling up batches). Returns false once the writer has
    /// stopped.
    public func submit(_ request: WriteRequest) -> Bool {
        queue.put(request, whenFewerThan: options.tailedBatchesWaiting)
    }

    /// Writes a pushed batch and returns what it stored once committed — or, for a key seen
    /// before, that nothing was stored and why.
    /// - Throws: ``Saturated`` when the queue is full; a ``StoreError`` when the commit failed.
    public func write(_ batch: EventBatch, idempotency: PushIdempotency?) async throws -> PushAnswer {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PushAnswer, Error>) in
            let newest = batch.newestEventTime(rows: batch.rows.indices, at: .now)
            let report = InputReport(input: Self.pushInput, newest: newest, caughtUp: false)
            let request = WriteRequest(batch: batch, inputs: [report], idempotency: idempotency) { result in
                continuation.resume(with: result.mapError { $0 as Error })
            }
            pushesWaiting.wrappingAdd(1, ordering: .relaxed)
            if !queue.tryPut(request) {
                pushesWaiting.wrappingSubtract(1, ordering: .relaxed)
                continuation.resume(throwing: Saturated())
            }
        }
    }

    /// Returns once everything queued before the call is committed (for tests and shutdown paths).
    public func flush() {
        let done = DispatchSemaphore(value: 0)
        if submit(WriteRequest(batch: EventBatch(), completion: { _ in done.signal() })) { done.wait() }
    }

    /// Requests waiting for the writer.
    public var backlog: Int { queue.count }

    /// Commits what is queued, saves detection's state, and returns when the thread is done.
    public func stop() {
        queue.close()
        finished.wait()
    }

    private func run() {
        while true {
            let (requests, closed) = queue.takeAll(waitingUntil: Date().addingTimeInterval(0.5))
            if !requests.isEmpty { commit(requests) }
            if closed || failure != nil { break }
            if Date().timeIntervalSince(lastAdvance) >= options.advanceInterval { advanceClock() }
            if failure == nil { enforceRetention() }
            if failure == nil { pruneIdempotencyKeys() }
        }
        guard failure == nil else { return }
        do {
            try detection?.finish()
        } catch {
            logger.error("cannot save the detection state", metadata: ["error": "\(error)"])
        }
    }

    private func commit(_ requests: [WriteRequest]) {
        let now = Timestamp.now
        var answers: [PushAnswer] = []
        var tallies: [(EventBatch, BatchWriteResult)] = []
        var replays = 0
        do {
            try store.transaction(durable: requests.contains(where: \.durable)) { () throws(StoreError) in
                for request in requests {
                    note(request.inputs, at: now)
                    // Requests under one key wait in turn, so a retry sent while the first is
                    // still queued is answered as a replay once both are committed.
                    if let idempotency = request.idempotency,
                       let earlier = try store.push(key: idempotency.key, receivedSince: now - options.idempotencyTTL) {
                        let replay = earlier.body == idempotency.body
                        answers.append(replay ? .replayed(earlier.outcome) : .keyReused)
                        if replay { replays += 1 }
                        continue
                    }
                    var batch = request.batch
                    attribution.attribute(&batch)
                    let prepared = PreparedBatch(batch: batch, compressor: compressor, sessions: attribution.takeNewSessions())
                    let written = try store.append(prepared)
                    try store.apply(request.files, at: now)
                    try store.saveInputPositions(request.positions)
                    try store.saveObjects(request.objects, at: now)
                    let outcome = PushOutcome(accepted: written.counts.stored, duplicates: written.counts.duplicates,
                                              rejected: written.counts.rejected)
                    if let idempotency = request.idempotency { try store.savePush(idempotency, outcome: outcome, at: now) }
                    for report in request.inputs where report.newest != nil {
                        if let progress = watermarks.inputs[report.input] { try store.saveInputProgress(progress, of: report.input) }
                    }
                    do {
                        try detection?.onCommit(prepared, written, progress: .watermark(watermarks.clock(at: now)))
                    } catch {
                        throw StoreError(error)
                    }
                    answers.append(.stored(outcome))
                    tallies.append((batch, written))
                }
            }
        } catch {
            fail(error, requests)
            return
        }
        for (batch, written) in tallies { metrics.count(batch, written: written) }
        if replays > 0 { metrics.countReplays(replays) }
        for (request, answer) in zip(requests, answers) { request.completion?(.success(answer)) }
        if queue.count == 0 {
            // Nothing else to commit: the last batch's alerts are stored now, not with a next
            // batch that may not come for a while.
            do { try detection?.settle() } catch { fail(error, []) }
        }
        deliver(detection?.takeRaised() ?? [])
        publishDetectionReport()
    }

    /// Records what a request says of its inputs; the push endpoint is caught up once no other
    /// push waits.
    private func note(_ reports: [InputReport], at now: Timestamp) {
        for report in reports {
            var caughtUp = report.caughtUp
            if report.input == Self.pushInput { caughtUp = pushesWaiting.wrappingSubtract(1, ordering: .relaxed).newValue == 0 }
            watermarks.delivered(report.input, newest: report.newest, at: now, caughtUp: caughtUp)
        }
    }

    /// Detection's counts and the inputs' watermarks to /metrics, and late events to the log.
    private func publishDetectionReport() {
        metrics.setInputs(watermarks, at: .now)
        guard let detection else { return }
        metrics.setDetection(detection.report)
        lateEvents.note(detection.report)
    }

    /// Moves detection's clock to where the inputs' watermarks are now: idle inputs' move with the wall clock.
    private func advanceClock() {
        lastAdvance = Date()
        guard let detection else { return }
        guard let clock = watermarks.clock(at: .now) else { return publishDetectionReport() }
        do {
            try store.transaction { () throws(StoreError) in
                do { try detection.advance(to: clock) } catch { throw StoreError(error) }
            }
            deliver(detection.takeRaised())
            publishDetectionReport()
        } catch {
            fail(error, [])
        }
    }

    /// Deletes one slice of events past the retention period; a pass starts every
    /// ``Options/retentionInterval`` and goes on, a slice per loop, until nothing is left.
    private func enforceRetention() {
        guard let retention = options.retention else { return }
        if retentionCutoff == nil {
            guard Date().timeIntervalSince(lastRetention) >= options.retentionInterval else { return }
            lastRetention = Date()
            retentionCutoff = .now - retention
            retained = RetentionResult()
        }
        guard let cutoff = retentionCutoff else { return }
        do {
            let slice = try store.transaction { () throws(StoreError) in try store.deleteEvents(before: cutoff) }
            retained.events += slice.events
            retained.rawBlocks += slice.rawBlocks
            retained.rejects += slice.rejects
            guard !slice.more else { return }
            retentionCutoff = nil
            if retained.events + retained.rejects > 0 {
                logger.info("retention: deleted old events", metadata: [
                    "before": "\(cutoff.rfc3339)", "events": "\(retained.events)", "raw_blocks": "\(retained.rawBlocks)",
                    "rejects": "\(retained.rejects)",
                ])
            }
        } catch {
            fail(error, [])
        }
    }

    /// Deletes one slice of expired idempotency keys; a pass starts every
    /// ``Options/idempotencyPruneInterval`` and goes on, a slice per loop, until none is left.
    private func pruneIdempotencyKeys() {
        if !pruningKeys {
            guard Date().timeIntervalSince(lastKeyPrune) >= options.idempotencyPruneInterval else { return }
            lastKeyPrune = Date()
        }
        do {
            let cutoff = Timestamp.now - options.idempotencyTTL
            let deleted = try store.transaction { () throws(StoreError) in
                try store.deletePushKeys(receivedBefore: cutoff, limit: Self.keysPerPrune)
            }
            pruningKeys = deleted == Self.keysPerPrune
            if deleted > 0 { logger.debug("deleted expired idempotency keys", metadata: ["keys": "\(deleted)"]) }
        } catch {
            fail(error, [])
        }
    }

    private func deliver(_ alerts: [Alert]) {
        guard !alerts.isEmpty else { return }
        metrics.count(alerts)
        onAlerts(alerts)
    }

    /// A commit failed (a full disk, a damaged store): the requests are refused, and the writer
    /// stops taking more — the engine and the tailer have moved past what the store holds, and
    /// a restart resumes from what was committed.
    private func fail(_ error: StoreError, _ requests: [WriteRequest]) {
        logger.critical("cannot commit to the store; stopping", metadata: ["error": "\(error)"])
        for request in requests { request.completion?(.failure(error)) }
        failure = error
        queue.close()
        while true {
            let (rest, closed) = queue.takeAll(waitingUntil: Date())
            for request in rest { request.completion?(.failure(error)) }
            if closed || rest.isEmpty { break }
        }
        onFailure(error)
    }
}
