import Foundation
import KeywatchCore
import KeywatchStore

/// How a backfill cuts and queues its work.
public struct BackfillOptions: Sendable {
    /// A batch is handed to the writer when it holds this many events…
    public var batchEvents: Int
    /// …or this many bytes of raw records.
    public var batchRawBytes: Int
    /// Batches waiting for the writer, at most; decoding waits when the writer is behind.
    public var queueDepth: Int
    public var decoder: RecordDecoder.Options

    public init(batchEvents: Int = 8192, batchRawBytes: Int = 12 << 20, queueDepth: Int = 2, decoder: RecordDecoder.Options = .init()) {
        self.batchEvents = batchEvents
        self.batchRawBytes = batchRawBytes
        self.queueDepth = queueDepth
        self.decoder = decoder
    }
}

extension BackfillOptions {
    /// A batch can pass its limits by what one checkpoint adds: a read of a plain file (1 MiB)
    /// or a piece of inflated output (256 KiB).
    static let checkpointSlack = 1 << 20

    /// An empty batch with room for as many raw bytes as the last one held, and some, up to the
    /// limit: a batch of small records fills a fraction of ``batchRawBytes``, and reserving all of
    /// it for each batch in flight held tens of megabytes (resident, once malloc reuses them).
    func emptyBatch(afterOneOf rawBytes: Int) -> EventBatch {
        let room = min(rawBytes + rawBytes / 8, batchRawBytes) + Self.checkpointSlack
        return EventBatch(reservingRaw: room, rows: batchEvents + batchEvents / 4)
    }
}

/// What a backfill did.
public struct IngestSummary: Sendable, Equatable {
    public var files = 0
    /// Files that are not JSON logs (a README beside them), skipped whole, in the order read.
    public var skippedFiles: [String] = []
    public var unreadableFiles = 0
    public var bytesRead: Int64 = 0
    public var events = 0
    public var stored = 0
    public var duplicates = 0
    public var skipped = 0
    public var rejected = 0
    /// The first ``shownRejects`` records rejected, with where they were and why: what a person
    /// checking their files reads first. Taken from decoding, so a dry run has them too.
    public var firstRejects: [Reject] = []
    public var seconds = 0.0

    /// How many rejects ``firstRejects`` keeps.
    public static let shownRejects = 5

    public init() {}

    /// Events decoded per second of wall time.
    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
}

/// Where a backfill is.
public struct IngestProgress: Sendable {
    public var bytesRead: Int64
    public var totalBytes: Int64
    public var events: Int
    public var elapsed: Double
}

/// Called on the writer thread inside each batch's transaction, after its events are stored:
/// the place where detection joins the same commit. Gets the batch and which of its events were new.
public typealias BatchCommitHook = (_ batch: PreparedBatch, _ result: BatchWriteResult) throws -> Void

/// One-shot ingest of files: decoding on the calling thread; SQLite on a writer thread; a bounded
/// queue between them — so the two cores overlap. Raw-block compression goes to whichever side
/// has time: the writer, unless it is behind (measured: on one side only, either the writer or the
/// decoder sat idle a quarter of the time).
public final class Backfill {
    public let options: BackfillOptions
    private let writer: BatchWriter?

    private var attribution: WorkloadAttribution

    /// - Parameters:
    ///   - store: where to write; nil decodes and normalizes only (a dry run).
    ///   - identities: the identity map, for namespaces.
    public init(store: EventStore?, identities: IdentityMap = .empty, options: BackfillOptions = BackfillOptions(),
                onCommit: BatchCommitHook? = nil) throws {
        self.options = options
        writer = store.map { BatchWriter(store: $0, onCommit: onCommit) }
        attribution = WorkloadAttribution(identities: identities, sessions: try store?.workloadSessions() ?? [])
    }

    /// Ingests `files` in order. An unreadable file is reported to `problem` and counted; the rest go on.
    public func run(
        files: [String],
        progress: (IngestProgress) -> Void = { _ in },
        problem: (FileReadError) -> Void = { _ in }
    ) throws -> IngestSummary {
        try run(sources: files.map(BackfillSource.file), progress: progress) { error in
            if let error = error as? FileReadError { problem(error) }
        }
    }

    /// Ingests `sources` in order: files, and log files fetched from elsewhere. One that cannot be
    /// read (a ``FileReadError`` or a ``RemoteReadError``) is reported to `problem` and counted;
    /// the rest go on.
    public func run(
        sources: [BackfillSource],
        progress: (IngestProgress) -> Void = { _ in },
        problem: (any Error) -> Void
    ) throws -> IngestSummary {
        let started = Date()
        var summary = IngestSummary()
        let totalBytes = sources.reduce(Int64(0)) { total, source in
            switch source {
            case .file(let path): return total + InputFiles.totalSize([path])
            case .remote(_, let size, _): return total + (size ?? 0)
            }
        }
        let queue = BoundedQueue<DecodedBatch>(capacity: options.queueDepth)
        let done = DispatchSemaphore(value: 0)
        if let writer {
            let thread = Thread {
                ThreadName.set("keywatch-writer")
                writer.drain(queue)
                done.signal()
            }
            thread.name = "keywatch-writer"
            thread.stackSize = 1 << 20
            thread.start()
        }
        let decoder = FileDecoder(recordDecoder: RecordDecoder.forIngest(options: options.decoder))
        var batch = options.emptyBatch(afterOneOf: options.batchRawBytes / 3)
        var lastReport = Date.distantPast
        let compressor = RawBlockCompressor()

        func handOff(_ batch: inout EventBatch) throws {
            attribution.attribute(&batch)
            let sessions = attribution.takeNewSessions()
            summary.events += batch.rows.count
            summary.skipped += batch.skippedCount
            summary.firstRejects += batch.rejects.prefix(IngestSummary.shownRejects - summary.firstRejects.count)
            if writer == nil {
                summary.rejected += batch.rejects.count
            } else {
                var decoded = DecodedBatch(batch: batch, sessions: sessions)
                // The writer compresses; but when it is behind, decoding compresses rather than
                // waits, so the two cores share that work (a third of the writer's, measured).
                // Behind is a batch already waiting, not a full queue: with detection's thread
                // also taking a core, the queue was seldom full at this instant while decoding
                // still waited 3 s on it in all, and the writer compressed 1.1 s of the 1.5.
                if queue.hasWaitingItems && !batch.raw.isEmpty { decoded.block = compressor.compress(batch.raw) }
                if !queue.put(decoded) { throw writer?.failure ?? StoreError.corrupt("the writer stopped") }
            }
            batch = options.emptyBatch(afterOneOf: batch.raw.count)
        }

        func checkpoint(_ batch: inout EventBatch) throws {
            if batch.rows.count >= options.batchEvents || batch.raw.count >= options.batchRawBytes {
                try handOff(&batch)
            }
        }
        func read(_ bytes: Int) {
            summary.bytesRead += Int64(bytes)
            let now = Date()
            if now.timeIntervalSince(lastReport) > 0.2 {
                lastReport = now
                progress(IngestProgress(bytesRead: summary.bytesRead, totalBytes: totalBytes,
                                        events: summary.events,
                                        elapsed: now.timeIntervalSince(started)))
            }
        }
        do {
            for source in sources {
                do {
                    let decoded: Bool
                    switch source {
                    case .file(let path):
                        decoded = try decoder.decode(path: path, into: &batch, checkpoint: checkpoint, progress: read)
                    case .remote(let name, _, let fetch):
                        let bytes = try fetch()
                        read(bytes.count)
                        decoded = try decoder.decode(bytes: bytes, input: name, into: &batch, checkpoint: checkpoint)
                    }
                    if decoded { summary.files += 1 } else { summary.skippedFiles.append(source.name) }
                } catch where error is FileReadError || error is RemoteReadError {
                    summary.unreadableFiles += 1
                    problem(error)
                }
            }
            if !batch.isEmpty { try handOff(&batch) }
        } catch {
            queue.close()
            if writer != nil { done.wait() }
            throw error
        }
        queue.close()
        if let writer {
            done.wait()
            if let failure = writer.failure { throw failure }
            summary.stored = writer.result.stored
            summary.duplicates = writer.result.duplicates
            summary.rejected = writer.result.rejected
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }
}

/// A batch on its way to the writer, with the workload sessions it taught, and its raw block if
/// the decoding side compressed it.
struct DecodedBatch: Sendable {
    var batch: EventBatch
    var sessions: [WorkloadAttribution.Session]
    var block: [UInt8]?
}

/// The writer thread's side: owns the store while the backfill runs. Only that thread touches
/// the store and the result until it signals it is done, which is what makes the unchecked
/// sendability sound.
final class BatchWriter: @unchecked Sendable {
    let store: EventStore
    let onCommit: BatchCommitHook?
    private(set) var result = WriteResult()
    private(set) var failure: Error?

    init(store: EventStore, onCommit: BatchCommitHook?) {
        self.store = store
        self.onCommit = onCommit
    }

    func drain(_ queue: BoundedQueue<DecodedBatch>) {
        let compressor = RawBlockCompressor()
        while let decoded = queue.take() {
            let prepared = decoded.block.map { PreparedBatch(batch: decoded.batch, block: $0, sessions: decoded.sessions) }
                ?? PreparedBatch(batch: decoded.batch, compressor: compressor, sessions: decoded.sessions)
            do {
                let written = try store.transaction { () throws(StoreError) in
                    let written = try store.append(prepared)
                    if let onCommit {
                        do { try onCommit(prepared, written) } catch { throw StoreError(error) }
                    }
                    return written
                }
                result += written.counts
            } catch {
                failure = error
                queue.close()
                return
            }
        }
    }
}
