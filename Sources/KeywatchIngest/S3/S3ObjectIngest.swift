import KeywatchCore
import KeywatchStore
import Logging

/// Reads S3 objects into the daemon's writer for a cloud input: each fetched whole, decoded as a
/// file is (plain or gzip by its content), its events handed over in batches of the writer's
/// size. The last batch of an object carries the object's identity (bucket, key, ETag) and the
/// input's position, so the object is recorded as read in the same transaction as its last
/// events; a crash before that reads it again, and the events committed before are found by
/// their keys and stored once.
final class S3ObjectIngest {
    let input: String
    private let writer: StoreWriter
    private let metrics: DaemonMetrics
    private let files: FileDecoder
    private let logger: Logger
    /// Events per batch handed to the writer: a large object goes in several transactions.
    private let batchEvents = 20_000

    init(input: String, writer: StoreWriter, metrics: DaemonMetrics, logger: Logger) {
        self.input = input
        self.logger = logger
        self.writer = writer
        self.metrics = metrics
        files = FileDecoder(recordDecoder: RecordDecoder.forIngest(options: RecordDecoder.Options()))
    }

    /// Fetches `object` and hands its events to the writer; `committed` is called on the
    /// writer's thread once its last events are committed.
    /// - Parameter caughtUp: whether the input has nothing else waiting after this object.
    /// - Throws: ``S3Error`` when it cannot be fetched; ``StoreError`` when the writer stopped.
    func read(_ object: S3ObjectReference, with client: S3Client, positions: [InputPosition] = [], caughtUp: Bool,
              committed: @escaping @Sendable (Result<PushAnswer, StoreError>) -> Void) throws -> StoredObject {
        let (bytes, eTag) = try client.object(object)
        let identity = StoredObject(bucket: object.bucket, key: object.key, etag: eTag ?? object.eTag ?? "")
        metrics.updateInput(input) {
            $0.objects += 1
            $0.bytes += bytes.count
        }
        var batch = EventBatch()
        let isLog = try files.decode(bytes: bytes, input: "\(object)", into: &batch) { batch in
            guard batch.rows.count >= batchEvents else { return }
            try submit(WriteRequest(batch: batch, inputs: [report(batch, caughtUp: false)]))
            batch = EventBatch()
        }
        if !isLog {
            logger.warning("not a JSON log; skipped", metadata: ["input": "\(input)", "object": "\(TerminalText.escape(object.description))"])
        }
        try submit(WriteRequest(batch: batch, inputs: [report(batch, caughtUp: caughtUp)], positions: positions,
                                objects: [identity], completion: committed))
        return identity
    }

    /// What a request tells detection of this input.
    func report(_ batch: EventBatch, caughtUp: Bool) -> InputReport {
        InputReport(input: input, newest: batch.newestEventTime(rows: batch.rows.indices, at: .now), caughtUp: caughtUp)
    }

    func submit(_ request: WriteRequest) throws {
        guard writer.submit(request) else { throw writer.failure ?? StoreError.corrupt("the writer stopped") }
    }
}
