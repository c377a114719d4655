import KeywatchCore
import KeywatchStore
import Logging

/// Reads S3 objects into the daemon's writer for a cloud input: each fetched whole and decoded
/// as a file is (plain or gzip by its content).
///
/// Objects' events gather into one request until it holds ``batchEvents`` events or the input
/// calls ``flush(caughtUp:)`` (before it waits for more): a CloudTrail file holds a few hundred
/// events, and a transaction each made the writer, not the network, the limit. A request
/// carries the identity (bucket, key, ETag) of every object whose last events it holds, and the
/// input's position, so an object is recorded as read in the same transaction as its last
/// events; a crash before that reads it again, and the events committed before are found by
/// their keys and stored once.
final class S3ObjectIngest {
    let input: String
    private let writer: StoreWriter
    private let metrics: DaemonMetrics
    private let files: FileDecoder
    private let logger: Logger
    /// Events gathered before a request goes to the writer without waiting for a flush.
    private let batchEvents = 20_000
    private var batch = EventBatch()
    private var objects: [StoredObject] = []
    private var position: InputPosition?
    private var completions: [@Sendable () -> Void] = []

    init(input: String, writer: StoreWriter, metrics: DaemonMetrics, logger: Logger) {
        self.input = input
        self.logger = logger
        self.writer = writer
        self.metrics = metrics
        files = FileDecoder(recordDecoder: RecordDecoder.forIngest(options: RecordDecoder.Options()))
    }

    /// Fetches `object` and gathers its events; `committed` is called on the writer's thread
    /// once its last events are committed.
    /// - Parameter position: where the input stands once this object is read.
    /// - Throws: ``S3Error`` when it cannot be fetched (nothing of it is gathered then);
    ///   ``StoreError`` when the writer stopped.
    func read(_ object: S3ObjectReference, with client: S3Client, position: InputPosition? = nil,
              committed: @escaping @Sendable () -> Void) throws {
        let (bytes, eTag) = try client.object(object)
        metrics.updateInput(input) {
            $0.objects += 1
            $0.bytes += bytes.count
        }
        let isLog = try files.decode(bytes: bytes, input: "\(object)", into: &batch) { batch in
            // Within an object: the part so far goes alone, the object's identity with its end.
            guard batch.rows.count >= batchEvents else { return }
            try submit(WriteRequest(batch: batch, inputs: [report(batch, caughtUp: false)]))
            batch = EventBatch()
        }
        if !isLog {
            logger.warning("not a JSON log; skipped", metadata: ["input": "\(input)", "object": "\(TerminalText.escape(object.description))"])
        }
        objects.append(StoredObject(bucket: object.bucket, key: object.key, etag: eTag ?? object.eTag ?? ""))
        if let position { self.position = position }
        completions.append(committed)
        if batch.rows.count >= batchEvents { try flush(caughtUp: false) }
    }

    /// Records a reject (a message or object given up on) with what is gathered.
    func reject(_ reject: Reject, position: InputPosition? = nil, committed: @escaping @Sendable () -> Void) {
        batch.rejects.append(reject)
        if let position { self.position = position }
        completions.append(committed)
    }

    /// Hands what is gathered to the writer, saying whether the input has nothing else waiting.
    func flush(caughtUp: Bool) throws {
        guard caughtUp || !batch.isEmpty || !objects.isEmpty || !completions.isEmpty else { return }
        let done = completions
        var request = WriteRequest(batch: batch, inputs: [report(batch, caughtUp: caughtUp)], positions: position.map { [$0] } ?? [],
                                   objects: objects)
        if !done.isEmpty {
            // What waits for this commit deletes queue messages: it must survive a power cut.
            request.durable = true
            request.completion = { result in
                guard case .success = result else { return }
                for completion in done { completion() }
            }
        }
        batch = EventBatch()
        objects = []
        position = nil
        completions = []
        try submit(request)
    }

    private func report(_ batch: EventBatch, caughtUp: Bool) -> InputReport {
        InputReport(input: input, newest: batch.newestEventTime(rows: batch.rows.indices, at: .now), caughtUp: caughtUp)
    }

    private func submit(_ request: WriteRequest) throws {
        guard writer.submit(request) else { throw writer.failure ?? StoreError.corrupt("the writer stopped") }
    }
}
