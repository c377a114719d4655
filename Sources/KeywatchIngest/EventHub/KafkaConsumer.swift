import CKafka
import Foundation

/// A problem librdkafka reports: a setting it refuses, or a client it cannot create.
public struct KafkaFailure: Error, CustomStringConvertible {
    public var description: String
}

/// One Kafka consumer of one topic in a consumer group, over librdkafka: messages one at a
/// time, the group's rebalances handed to ``Rebalancing`` (which says where each assigned
/// partition starts), offsets committed when asked. Offsets are never committed on their own
/// (`enable.auto.commit=false`): whoever stores the messages decides when they are read.
///
/// Not thread-safe: one thread polls, and the rebalance calls come on that thread, inside ``poll(timeout:)``.
final class KafkaConsumer {
    /// Where the assigned partitions start, and what to finish before partitions are taken away.
    struct Rebalancing {
        /// The offset each newly assigned partition starts at; one left out starts at the
        /// group's committed offset (or the oldest message, when the group has none).
        var assigned: (_ partitions: [Int32]) -> [Int32: Int64]
        /// Partitions are about to be taken away: what was read from them must be stored, and
        /// its offsets committed, before this returns.
        var revoking: (_ partitions: [Int32]) -> Void
    }

    /// What a poll brought.
    enum Polled {
        case message(partition: Int32, offset: Int64, payload: UnsafeRawBufferPointer)
        /// The consumer has read all the partition holds for now.
        case endOfPartition(Int32)
        /// A problem fetching (logged by the caller); the consumer goes on.
        case problem(String)
    }

    let topic: String
    private let handle: OpaquePointer
    private let callbacks: Callbacks
    /// The partitions assigned to this consumer now.
    private(set) var assignment: [Int32] = []

    /// - Parameters:
    ///   - settings: librdkafka's configuration properties (`bootstrap.servers`, `group.id`, SASL…).
    ///   - onError: librdkafka's reports of connection and authentication problems, from its own
    ///     threads: what happened, its kind (librdkafka's error code) and whether the client is lost.
    init(topic: String, settings: [String: String], rebalancing: Rebalancing,
         onError: @escaping @Sendable (_ message: String, _ kind: Int32, _ fatal: Bool) -> Void) throws(KafkaFailure) {
        self.topic = topic
        let configuration = rd_kafka_conf_new()
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            guard rd_kafka_conf_set(configuration, key, value, &errorText, errorText.count) == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(configuration)
                throw KafkaFailure(description: "librdkafka refuses \(key): \(Self.text(errorText))")
            }
        }
        callbacks = Callbacks(rebalancing: rebalancing, onError: onError)
        rd_kafka_conf_set_opaque(configuration, Unmanaged.passUnretained(callbacks).toOpaque())
        rd_kafka_conf_set_rebalance_cb(configuration) { handle, error, partitions, opaque in
            guard let handle, let opaque else { return }
            Unmanaged<Callbacks>.fromOpaque(opaque).takeUnretainedValue().rebalance(handle, error, partitions)
        }
        rd_kafka_conf_set_error_cb(configuration) { handle, code, reason, opaque in
            guard let opaque else { return }
            let text = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(code)))
            Unmanaged<Callbacks>.fromOpaque(opaque).takeUnretainedValue().onError(text, code, code == RD_KAFKA_RESP_ERR__FATAL.rawValue)
        }
        // librdkafka writes its own log lines to stderr; the problems among them come through the
        // error callback too, and are logged (throttled) from there.
        rd_kafka_conf_set_log_cb(configuration) { _, _, _, _ in }
        // On success librdkafka owns the configuration; on failure it is still the caller's.
        guard let handle = rd_kafka_new(RD_KAFKA_CONSUMER, configuration, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(configuration)
            throw KafkaFailure(description: "cannot create the Kafka consumer: \(Self.text(errorText))")
        }
        self.handle = handle
        callbacks.consumer = self
        // Rebalances and errors come through the consumer's poll, on the polling thread.
        rd_kafka_poll_set_consumer(handle)
        let topics = rd_kafka_topic_partition_list_new(1)
        defer { rd_kafka_topic_partition_list_destroy(topics) }
        rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA)
        let subscribed = rd_kafka_subscribe(handle, topics)
        guard subscribed == RD_KAFKA_RESP_ERR_NO_ERROR else {
            // deinit destroys the handle: every property is set.
            throw KafkaFailure(description: "cannot subscribe to \(topic): \(String(cString: rd_kafka_err2str(subscribed)))")
        }
    }

    /// A C string librdkafka wrote into a buffer.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        rd_kafka_destroy(handle)
    }

    /// Waits up to `timeout` seconds for the next message or event and hands it to `body`; the
    /// payload is valid only inside `body`. Returns false when nothing came.
    @discardableResult
    func poll(timeout: TimeInterval, _ body: (Polled) -> Void) -> Bool {
        guard let message = rd_kafka_consumer_poll(handle, Int32(timeout * 1000)) else { return false }
        defer { rd_kafka_message_destroy(message) }
        let fields = message.pointee
        switch fields.err {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            body(.message(partition: fields.partition, offset: fields.offset,
                          payload: UnsafeRawBufferPointer(start: fields.payload, count: fields.payload == nil ? 0 : fields.len)))
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            body(.endOfPartition(fields.partition))
        default:
            body(.problem(String(cString: rd_kafka_err2str(fields.err))))
        }
        return true
    }

    /// Commits `offsets` (partition: next offset to read) for the group: in the background when
    /// `wait` is false, else before returning. A failure only matters to the group's next reader.
    @discardableResult
    func commit(_ offsets: [Int32: Int64], wait: Bool) -> String? {
        guard !offsets.isEmpty else { return nil }
        let list = partitionList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_commit(handle, list, wait ? 0 : 1)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2str(result))
    }

    /// Messages behind each assigned partition's end, from the high watermarks the last fetches
    /// brought (no request to the broker); nil when none is known yet.
    func lag(after next: [Int32: Int64]) -> Int? {
        var total: Int?
        for partition in assignment {
            var low: Int64 = 0
            var high: Int64 = -1
            guard rd_kafka_get_watermark_offsets(handle, topic, partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else {
                continue
            }
            let position = next[partition] ?? low
            total = (total ?? 0) + Int(max(0, high - max(position, low)))
        }
        return total
    }

    /// Leaves the group: the partitions are revoked (``Rebalancing/revoking`` runs) and the
    /// connections closed.
    func close() {
        rd_kafka_consumer_close(handle)
    }

    private func partitionList(_ offsets: [Int32: Int64]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = offset
        }
        return list
    }

    /// The partitions of a list librdkafka hands over.
    private static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [Int32] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { elements[$0].partition }
    }

    /// Where `partitions` start: the caller's choice; else the group's committed offset, which
    /// librdkafka looks up itself (and retries), the oldest message when there is none.
    fileprivate func assign(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ rebalancing: Rebalancing) {
        let partitions = Self.partitions(of: list)
        let starts = rebalancing.assigned(partitions)
        if let list, let elements = list.pointee.elems {
            for index in 0..<Int(list.pointee.cnt) {
                elements[index].offset = starts[elements[index].partition] ?? keywatch_kafka_offset_stored()
            }
        }
        rd_kafka_assign(handle, list)
        assignment = partitions
    }

    fileprivate func unassign(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ rebalancing: Rebalancing) {
        let partitions = Self.partitions(of: list)
        if !partitions.isEmpty { rebalancing.revoking(partitions) }
        rd_kafka_assign(handle, nil)
        assignment = []
    }

    /// What librdkafka's C callbacks reach through their opaque pointer: made before the
    /// consumer, which it then points back to.
    private final class Callbacks {
        let rebalancing: Rebalancing
        let onError: @Sendable (String, Int32, Bool) -> Void
        weak var consumer: KafkaConsumer?

        init(rebalancing: Rebalancing, onError: @escaping @Sendable (String, Int32, Bool) -> Void) {
            self.rebalancing = rebalancing
            self.onError = onError
        }

        func rebalance(_ handle: OpaquePointer, _ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
            guard let consumer else {
                rd_kafka_assign(handle, nil)
                return
            }
            if error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
                consumer.assign(list, rebalancing)
            } else {
                consumer.unassign(list, rebalancing)
            }
        }
    }
}
