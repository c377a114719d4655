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
/// Used by one writer thread at a time (the unchecked sendability).
public final class DetectionStage: @unchecked Sendable {
    public let engine: DetectionEngine
    private let store: EventStore
    private let readsRaw: Bool
    /// Alerts new to the store, in the order raised: the ones to print or send.
    public private(set) var raised: [Alert] = []
    /// Batches replayed from the store on start.
    public private(set) var replayedBatches = 0
    private var lastBlock: Int64
    private var lastSave = Date()
    public var saveInterval: TimeInterval = 30

    /// Restores the saved state (a rule edited since starts afresh), then replays the batches
    /// stored after it.
    /// - Throws: when the store cannot be read; damaged state is not an error: detection starts afresh.
    public init(store: EventStore, rules: [Rule], limits: DetectionLimits = DetectionLimits()) throws {
        self.store = store
        readsRaw = rules.contains { $0.readsRaw }
        var state = DetectionState()
        var from = try store.lastBlock()
        if let saved = try store.detectionState() {
            from = saved.block
            state = saved.state ?? DetectionState()
        }
        engine = DetectionEngine(rules: rules, limits: limits, state: state)
        lastBlock = from
        try store.transaction { () throws(StoreError) in
            do {
                try StoredBatches(connection: store.connection).forEach(afterBlock: from, withRaw: readsRaw) { batch, block in
                    raised += try store.record(engine.process(batch, now: Timestamp.now), at: Timestamp.now)
                    lastBlock = block
                    replayedBatches += 1
                }
                try store.saveDetectionState(engine.state, block: lastBlock, at: Timestamp.now)
            } catch {
                throw StoreError(error)
            }
        }
    }

    /// The ``BatchCommitHook``: detection over a batch's new rows, inside its transaction.
    public func onCommit(_ prepared: PreparedBatch, _ written: BatchWriteResult) throws {
        guard written.block > 0 else { return }
        let now = Timestamp.now
        raised += try store.record(engine.process(prepared.batch, rows: written.newRows, now: now), at: now)
        lastBlock = written.block
        if Date().timeIntervalSince(lastSave) >= saveInterval {
            try store.saveDetectionState(engine.state, block: lastBlock, at: now)
            lastSave = Date()
        }
    }

    /// The alerts raised since the last call, oldest first: the ones to hand to the sinks once
    /// their transaction has committed.
    public func takeRaised() -> [Alert] {
        defer { raised.removeAll() }
        return raised
    }

    /// Moves detection's clock to the wall clock (absence rules fire on it when no event comes),
    /// inside the current transaction.
    public func advance(to now: Timestamp) throws {
        raised += try store.record(engine.advance(to: now), at: now)
    }

    /// Saves the state in a transaction of its own; call when the writer is done.
    public func finish() throws {
        try store.transaction { () throws(StoreError) in
            try store.saveDetectionState(engine.state, block: lastBlock, at: Timestamp.now)
        }
    }
}
