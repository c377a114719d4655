import Foundation
import KeywatchCore
import KeywatchStore
import Logging

/// Reads Key Vault's `AuditEvent` logs from an Azure Event Hub through its Kafka endpoint, on a
/// thread of its own, and hands them to the writer with the partitions' offsets.
///
/// Exactly once, as the file tailer: each request carries the next offset of every partition its
/// messages came from (``WriteRequest/positions``), committed in the store in the transaction of
/// their events. When the group assigns a partition, reading starts at the store's offset; only a
/// partition the store has never read starts at the group's committed offset (another keywatch
/// of the group read it before). The store's offset wins even when the group's is further: a
/// store restored from a backup, or one that lost its last commits to a power cut, reads again
/// rather than skip. Kafka's own commits follow the store's, in the background: they inform the
/// group's next reader, never this one's restart. Before a partition is taken away, what was
/// read of it is stored and its offset committed to Kafka, so the next reader starts after it.
///
/// Memory stays bounded: ``StoreWriter/submit(_:)`` waits while the writer is behind, and so
/// does the poll loop; librdkafka prefetches at most 128 MiB meanwhile.
public final class EventHubInput: @unchecked Sendable {
    public struct Options: Sendable {
        /// A request is handed to the writer once it holds this many events or rejects…
        public var recordsPerRequest = 10_000
        /// …or this many bytes of messages…
        public var bytesPerRequest = 8 << 20
        /// …or its first message is this old, or no message comes.
        public var requestAge: TimeInterval = 0.5
        public var decoder = RecordDecoder.Options()

        public init() {}
    }

    /// `eventhub:<bootstrap>/<hub>`: the input's name in the store, detection's watermarks and /metrics.
    public let inputName: String
    private let hub: DaemonConfiguration.EventHub
    private let settings: [String: String]
    private let writer: StoreWriter
    private let metrics: DaemonMetrics
    private let logger: Logger
    private let options: Options
    private let offsets: PartitionOffsets
    private let inFlight = RequestsInFlight()
    private let problems: ThrottledLog
    private let threads = InputThreads()

    // The consumer thread's own.
    private var consumer: KafkaConsumer?
    private let decoder: EventHubMessageDecoder
    private var pending = EventBatch()
    private var pendingBytes = 0
    private var pendingSince: Date?
    /// Next offset of each partition after the messages read (pending or submitted).
    private var next: [Int32: Int64] = [:]
    /// Partitions' next offsets the pending batch moves to.
    private var pendingOffsets: [Int32: Int64] = [:]
    /// Partitions read to their end since their last message.
    private var atEnd: Set<Int32> = []
    private var toldCaughtUp: Bool?
    private var partitionNames: [Int32: String] = [:]
    private var lastReport = Date.distantPast
    /// Since when no partition is assigned (from the start, or the last revoke).
    private var unassignedSince = Date()

    /// - Parameters:
    ///   - connectionString: the hub's connection string, resolved; nil without SASL (a local broker).
    ///   - positions: the store's positions of ``inputName`` (``EventStore/inputPositions(of:)``),
    ///     read before the writer starts.
    public init(hub: DaemonConfiguration.EventHub, connectionString: String?, positions: [String: String], writer: StoreWriter,
                metrics: DaemonMetrics, logger: Logger, options: Options = Options()) {
        self.hub = hub
        inputName = hub.inputName
        settings = hub.kafkaSettings(connectionString: connectionString)
        self.writer = writer
        self.metrics = metrics
        self.logger = logger
        self.options = options
        offsets = PartitionOffsets(positions: positions)
        problems = ThrottledLog(logger: logger)
        decoder = EventHubMessageDecoder(decoder: RecordDecoder.forIngest(options: options.decoder))
        // On /metrics from the start: no message read yet is 0, not absent.
        metrics.updateInput(inputName) { _ in }
    }

    /// Starts the consumer thread.
    public func start() {
        threads.start("keywatch-eventhub") { [self] in run() }
    }

    /// Stores what was read, commits its offsets to Kafka, leaves the group and returns when the
    /// thread is done.
    public func stop() {
        threads.stop()
    }

    private func run() {
        let logger = logger
        let input = inputName
        let problems = problems
        do {
            consumer = try KafkaConsumer(topic: hub.hub, settings: settings, rebalancing: KafkaConsumer.Rebalancing(
                assigned: { [weak self] partitions in self?.starts(of: partitions) ?? [:] },
                revoking: { [weak self] partitions in self?.handOver(partitions) }
            ), onError: { message, kind, fatal in
                // Connection and authentication problems: librdkafka retries on its own.
                let error = TerminalText.escape(message)
                if fatal {
                    logger.error("the event hub's Kafka client failed", metadata: ["input": "\(input)", "error": "\(error)"])
                } else {
                    problems.warning("eventhub-client-\(kind)", "cannot read the event hub", metadata: ["input": "\(input)", "error": "\(error)"])
                }
            })
        } catch {
            logger.error("cannot read the event hub", metadata: ["input": "\(inputName)", "error": "\(TerminalText.escape("\(error)"))"])
            // Nothing will come from it: detection's clock is not held for it.
            _ = writer.submit(WriteRequest(batch: EventBatch(), inputs: [InputReport(input: inputName, newest: nil, caughtUp: true)]))
            return
        }
        logger.info("reading the event hub", metadata: ["input": "\(inputName)", "consumer_group": "\(hub.consumerGroup)"])
        while !threads.isStopping {
            let polled = consumer?.poll(timeout: pending.isEmpty ? 0.5 : 0.05) { polled in handle(polled) } ?? false
            let full = pending.rows.count + pending.rejects.count >= options.recordsPerRequest || pendingBytes >= options.bytesPerRequest
            let old = pendingSince.map { Date().timeIntervalSince($0) >= options.requestAge } ?? false
            if full || old || !polled { submitPending() }
            if Date().timeIntervalSince(lastReport) >= 1 { report() }
        }
        submitPending()
        inFlight.waitForAll()
        // Leaving the group revokes the partitions: their last offsets are committed to Kafka then.
        consumer?.close()
        consumer = nil
        logger.info("stopped reading the event hub", metadata: ["input": "\(inputName)"])
    }

    private func handle(_ polled: KafkaConsumer.Polled) {
        switch polled {
        case .message(let partition, let offset, let payload):
            decoder.decode(payload, partition: partitionName(partition), offset: offset, into: &pending)
            pendingOffsets[partition] = offset + 1
            next[partition] = offset + 1
            atEnd.remove(partition)
            pendingBytes += payload.count
            if pendingSince == nil { pendingSince = Date() }
            metrics.updateInput(inputName) {
                $0.messages += 1
                $0.bytes += payload.count
            }
        case .endOfPartition(let partition):
            atEnd.insert(partition)
        case .problem(let message):
            problems.warning("eventhub-fetch", "cannot read the event hub",
                             metadata: ["input": "\(inputName)", "error": "\(TerminalText.escape(message))"])
        }
    }

    /// `eventhub:<bootstrap>/<hub>/<partition>`: the input of the partition's events in the
    /// store, each at its message's offset. Made once per partition, not once per message.
    private func partitionName(_ partition: Int32) -> String {
        if let name = partitionNames[partition] { return name }
        let name = "\(inputName)/\(partition)"
        partitionNames[partition] = name
        return name
    }

    /// Whether every assigned partition has been read to its end (so detection's clock need not
    /// wait for this input). With none assigned — joining the group, between a revoke and an
    /// assignment — not yet: a backlog may be assigned next; only a minute without any (more
    /// readers in the group than partitions, a broker out of reach) stops holding the clock.
    private var caughtUp: Bool {
        let assignment = consumer?.assignment ?? []
        guard !assignment.isEmpty else { return Date().timeIntervalSince(unassignedSince) > 60 }
        return assignment.allSatisfy { atEnd.contains($0) }
    }

    /// Hands the pending batch to the writer with its partitions' offsets; or, with none, tells
    /// the writer when the input has become caught up or has stopped being so.
    private func submitPending() {
        let caughtUp = self.caughtUp
        guard !pendingOffsets.isEmpty || caughtUp != toldCaughtUp else { return }
        toldCaughtUp = caughtUp
        var batch = EventBatch()
        swap(&batch, &pending)
        let moved = pendingOffsets
        pendingOffsets = [:]
        pendingBytes = 0
        pendingSince = nil
        let newest = batch.newestEventTime(rows: batch.rows.indices, at: .now)
        let positions = moved.sorted { $0.key < $1.key }.map {
            InputPosition(input: inputName, part: String($0.key), position: String($0.value))
        }
        let offsets = self.offsets
        let inFlight = self.inFlight
        inFlight.submitted()
        var request = WriteRequest(batch: batch, inputs: [InputReport(input: inputName, newest: newest, caughtUp: caughtUp)],
                                   positions: positions) { result in
            if case .success = result { offsets.committed(moved) }
            inFlight.finished()
        }
        // Kafka is told these offsets after the commit, and the group's next reader starts there:
        // the commit must survive a power cut.
        request.durable = !positions.isEmpty
        if !writer.submit(request) {
            inFlight.finished()
            threads.requestStop()
        }
    }

    /// Kafka's offsets told of what the store has committed, and the lag to /metrics; the
    /// decoder's bounds of event times moved on with the wall clock.
    private func report() {
        lastReport = Date()
        decoder.decoder.eventTimes = EventTimeBounds(now: .now)
        if let consumer {
            if let problem = consumer.commit(offsets.takeUntold(), wait: false) {
                problems.warning("eventhub-commit", "cannot commit offsets to the event hub", metadata: ["input": "\(inputName)", "error": "\(problem)"])
            }
            let lag = consumer.lag(after: next)
            metrics.updateInput(inputName) { $0.lagMessages = lag }
        }
    }

    /// Where newly assigned partitions start: the store's offset; a partition the store has
    /// never read is left to the group's committed offset.
    private func starts(of partitions: [Int32]) -> [Int32: Int64] {
        var starts: [Int32: Int64] = [:]
        for partition in partitions {
            let start = offsets.stored(partition)
            if let start { starts[partition] = start }
            next[partition] = start
            atEnd.remove(partition)
        }
        toldCaughtUp = nil
        logger.info("event hub partitions assigned", metadata: [
            "input": "\(inputName)",
            "partitions": "\(partitions.sorted().map { "\($0)@\(starts[$0].map(String.init) ?? "group's")" }.joined(separator: ","))",
        ])
        return starts
    }

    /// Partitions are being taken away: what was read is stored, and the offsets of those
    /// partitions committed to Kafka before the group hands them to another reader.
    private func handOver(_ partitions: [Int32]) {
        submitPending()
        inFlight.waitForAll()
        // Every stored offset of them, told before or not: an earlier commit in the background may have failed.
        if let problem = consumer?.commit(offsets.stored(of: partitions), wait: true) {
            logger.warning("cannot commit offsets to the event hub before a rebalance",
                           metadata: ["input": "\(inputName)", "error": "\(problem)"])
        }
        for partition in partitions {
            next[partition] = nil
            atEnd.remove(partition)
        }
        unassignedSince = Date()
        logger.info("event hub partitions revoked", metadata: ["input": "\(inputName)", "partitions": "\(partitions.sorted())"])
    }
}
