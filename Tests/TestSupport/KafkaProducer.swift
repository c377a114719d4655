import CKafka
import Foundation

/// Sends messages to a topic of a ``KafkaBroker``, as Azure's diagnostic settings send theirs
/// to an event hub: each message to the partition asked for, acknowledged by the broker before
/// ``flush()`` returns.
public final class KafkaProducer {
    private let handle: OpaquePointer
    private let topic: String

    public init(bootstrap: String, topic: String) throws {
        self.topic = topic
        let configuration = rd_kafka_conf_new()
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in ["bootstrap.servers": bootstrap, "acks": "all", "linger.ms": "5", "message.max.bytes": "40000000",
                             "enable.idempotence": "false"] {
            guard rd_kafka_conf_set(configuration, key, value, &errorText, errorText.count) == RD_KAFKA_CONF_OK else {
                throw KafkaProducerError(description: "\(key): \(Self.text(errorText))")
            }
        }
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, configuration, &errorText, errorText.count) else {
            throw KafkaProducerError(description: Self.text(errorText))
        }
        self.handle = handle
    }

    deinit {
        rd_kafka_destroy(handle)
    }

    /// Queues one message for `partition`.
    public func send(_ value: some Collection<UInt8>, partition: Int32) throws {
        let bytes = Array(value)
        while true {
            let result = bytes.withUnsafeBytes { keywatch_kafka_produce(handle, topic, partition, $0.baseAddress, $0.count) }
            if result == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_poll(handle, 100)
                continue
            }
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaProducerError(description: String(cString: rd_kafka_err2str(result)))
            }
            rd_kafka_poll(handle, 0)
            return
        }
    }

    public func send(_ text: String, partition: Int32) throws {
        try send(Array(text.utf8), partition: partition)
    }

    /// Returns once the broker has every message sent.
    public func flush() throws {
        let result = rd_kafka_flush(handle, 60_000)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaProducerError(description: "flush: \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    struct KafkaProducerError: Error, CustomStringConvertible {
        var description: String
    }
}
