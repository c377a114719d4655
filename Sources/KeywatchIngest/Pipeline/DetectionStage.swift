import Foundation
import KeywatchCore
import KeywatchStore

/// Detection inside ingest's transactions: runs the engine over each batch's new events and
/// stores the alerts in the same transaction as the events, so a crash neither loses an alert
/// nor raises one twice.
///
/// The engine's state is saved with a batch every ``saveInterval`` seconds and when ingest
/// ends, together with the last raw block it includes. On start, the batches stored after that
/// block — written before a crash — are replayed, oldest first, from the store: the state is
/// exactly what it was, and the alerts they raise are already stored (same keys), so none is
/// raised again. Saving every batch would write the whole state (a million groups: tens of
/// megabytes) with each one.
///
/// With ``overlapping``, a batch's detection runs on a thread of its own while the writer stores
/// the next batch, and its alerts are stored in that next batch's transaction (or by
/// ``finish()``). The saved state then includes only batches whose alerts are stored, so a
/// crash in between replays the batch and raises its alerts, once. A backfill and the daemon
/// use it: the engine's work no longer adds to SQLite's on the writer thread. A writer with
/// nothing more to commit calls ``settle()``, so alerts wait for a next batch only when one is
/// already waiting.
///
/// A backfill's clock is its newest event; the daemon's is the slowest of its inputs'
/// watermarks (``InputWatermarks``), handed to each ``onCommit(_:_:progress:)`` and to
/// ``advance(to:)``, so that one input far ahead never closes the windows another is still
/// filling.
///
/// Used by one writer thread at a time (the unchecked sendability); with ``overlapping``, the
/// engine is touched by the detection thread between a batch's start and its completion, and
/// by the writer only outside that span.
public final class DetectionStage: @unchecked Sendable {
    public let engine: DetectionEngine
    private let store: EventStore
    private let readsRaw: Bool
    /// Whether detection runs beside the writer (see the type's description).
    public let overlapping: Bool
    /// The batch whose detection is under way, with ``overlapping``.
    private var inFlight: InFlightDetection?
    /// Alerts new to the store, and resolutions of alerts raised before (``Alert/status``
    /// `.resolved`), in the order raised: the ones to print or send.
    public private(set) var raised: [Alert] = []
    /// Batches replayed from the store on start.
    public private(set) var replayedBatches = 0
    /// What detection has left out so far (late events, groups over the cap), as of the last batch
    /// whose alerts are stored: read by the writer, never while the engine is at work.
    public private(set) var report: DetectionReport
    private var lastBlock: Int64
    private var lastSave = Date()
    public var saveInterval: TimeInterval = 30

    /// Restores the saved state (a rule edited since starts afresh), then replays the batches
    /// stored after it.
    /// - Parameter identities: what rules' derived fields know of the estate (our accounts, decoys).
    /// - Parameter watermarks: whether the caller moves the clock with its inputs' watermarks
    ///   (the daemon); the replayed batches then leave the clock where it was saved, for the
    ///   watermarks to move once the inputs say how far they are.
    /// - Throws: when the store cannot be read; damaged state is not an error: detection starts afresh.
    public init(store: EventStore, rules: [Rule], identities: IdentityMap = .empty, limits: DetectionLimits = DetectionLimits(),
                overlapping: Bool = false, watermarks: Bool = false) throws {
        self.store = store
        self.overlapping = overlapping
        readsRaw = rules.contains { $0.readsRaw }
        var state = DetectionState()
        var from = try store.lastBlock()
        if let saved = try store.detectionState() {
            from = saved.block
            state = saved.state ?? DetectionState()
        }
        engine = DetectionEngine(rules: rules, limits: limits, state: state, identities: identities)
        report = engine.report
        lastBlock = from
        try store.transaction { () throws(StoreError) in
            do {
                try StoredBatches(connection: store.connection).forEach(afterBlock: from, withRaw: readsRaw) { batch, block in
                    let progress: EventTimeProgress = watermarks ? .watermark(nil) : .newestEvent
                    raised += try store.record(engine.process(batch, now: Timestamp.now, progress: progress), at: Timestamp.now)
                    lastBlock = block
                    replayedBatches += 1
                }
                try store.saveDetectionState(engine.state, block: lastBlock, at: Timestamp.now)
            } catch {
                throw StoreError(error)
            }
        }
        report = engine.report
    }

    /// The ``BatchCommitHook``: detection over a batch's new rows, inside its transaction.
    public func onCommit(_ prepared: PreparedBatch, _ written: BatchWriteResult) throws {
        try onCommit(prepared, written, progress: .newestEvent)
    }

    /// Detection over a batch's new rows, inside its transaction, the clock then moved as
    /// `progress` says. A batch with no new rows only moves the clock.
    public func onCommit(_ prepared: PreparedBatch, _ written: BatchWriteResult, progress: EventTimeProgress) throws {
        guard written.block > 0 else {
            if case .watermark(let clock?) = progress { try advance(to: clock) }
            return
        }
        let now = Timestamp.now
        if overlapping {
            try completeInFlight()
            try saveIfDue(at: now)
            inFlight = InFlightDetection(of: prepared.batch, rows: written.newRows, block: written.block, now: now,
                                         progress: progress, by: engine)
            return
        }
        raised += try store.record(engine.process(prepared.batch, rows: written.newRows, now: now, progress: progress), at: now)
        lastBlock = written.block
        report = engine.report
        try saveIfDue(at: now)
    }

    private func saveIfDue(at now: Timestamp) throws {
        guard Date().timeIntervalSince(lastSave) >= saveInterval else { return }
        try store.saveDetectionState(engine.state, block: lastBlock, at: now)
        lastSave = Date()
    }

    /// Waits for the batch under way, if any, and stores its alerts in a transaction of their own.
    public func settle() throws(StoreError) {
        guard inFlight != nil else { return }
        try store.transaction { () throws(StoreError) in try completeInFlight() }
    }

    /// Waits for the batch under way, and stores its alerts in the current transaction.
    private func completeInFlight() throws(StoreError) {
        guard let flight = inFlight else { return }
        inFlight = nil
        raised += try store.record(flight.changes(), at: flight.now)
        lastBlock = flight.block
        report = engine.report
    }

    /// The alerts raised and resolved since the last call, oldest first: the ones to hand to
    /// the sinks once their transaction has committed.
    public func takeRaised() -> [Alert] {
        defer { raised.removeAll() }
        return raised
    }

    /// Moves detection's clock to `clock` (never back) when no event does — the inputs'
    /// watermarks moved on while they were idle — inside the current transaction: absence
    /// rules fire on it, quiet groups are forgotten.
    public func advance(to clock: Timestamp) throws {
        try completeInFlight()
        let now = Timestamp.now
        raised += try store.record(engine.advance(to: clock), at: now)
        report = engine.report
    }

    /// Saves the state in a transaction of its own; call when the writer is done.
    public func finish() throws {
        try store.transaction { () throws(StoreError) in
            try completeInFlight()
            try store.saveDetectionState(engine.state, block: lastBlock, at: Timestamp.now)
        }
    }
}

/// One batch's detection on a thread of its own; ``changes()`` waits for it.
private final class InFlightDetection: @unchecked Sendable {
    let block: Int64
    let now: Timestamp
    /// Used by the detection thread alone until `done` is signalled.
    private let engine: DetectionEngine
    private let done = DispatchSemaphore(value: 0)
    /// Written by the detection thread before `done` is signalled, read only after waiting on it.
    private var result = RenderedAlertChanges([])

    private static let queue = DispatchQueue(label: "keywatch-detection", qos: .userInitiated)

    init(of batch: EventBatch, rows: [Int], block: Int64, now: Timestamp, progress: EventTimeProgress, by engine: DetectionEngine) {
        self.block = block
        self.now = now
        self.engine = engine
        Self.queue.async { [self] in
            result = RenderedAlertChanges(self.engine.process(batch, rows: rows, now: now, progress: progress))
            done.signal()
        }
    }

    func changes() -> RenderedAlertChanges {
        done.wait()
        return result
    }
}
