import Foundation
import Testing
import KeywatchStore
import KeywatchTestSupport

/// `keywatch run` reading an event hub through a real Kafka broker (Tansu), as it reads Event
/// Hubs' Kafka endpoint: messages of `{"records":[…]}` batches, as Key Vault's diagnostic setting
/// sends them, in a topic of four partitions.
@Suite("eventhub: input", .serialized)
struct EventHubTests {
    static let hub = "insights-logs-auditevent"
    let broker: KafkaBroker
    let producer: KafkaProducer

    init() throws {
        broker = try KafkaBroker(topics: [Self.hub: 4])
        producer = try KafkaProducer(bootstrap: broker.bootstrap, topic: Self.hub)
    }

    /// The input's name, as /metrics and the store's positions give it.
    var input: String { "eventhub:\(broker.bootstrap)/\(Self.hub)" }

    /// A configuration reading the hub as `group`, no tailing, /metrics on a port of its own.
    func configuration(group: String = "keywatch", extra: String = "") -> String {
        """
        db: ./k.db
        rules: \(repositoryRoot.appendingPathComponent("rules").path)
        http: {listen: "127.0.0.1:0"}
        eventhub:
          - bootstrap: \(broker.bootstrap)
            hub: \(Self.hub)
            consumer_group: \(group)
            tls: false
        \(extra)
        """
    }

    /// Sends messages `messages` of `perMessage` records each (record numbers from
    /// `messages.lowerBound * perMessage`), spread over the partitions in turn.
    func send(_ messages: Range<Int>, perMessage: Int = 25) throws {
        for message in messages {
            let records = (message * perMessage..<(message + 1) * perMessage).map { SyntheticLogs.keyVaultLine($0) }
            try producer.send("{\"records\":[\(records.joined(separator: ","))]}", partition: Int32(message % 4))
        }
        try producer.flush()
    }

    func events(_ daemon: DaemonProcess) -> Int64 { (try? daemon.count("SELECT count(*) FROM events")) ?? -1 }

    @Test("the hub's messages are stored, each partition's next offset with them; messages, bytes and lag to /metrics")
    func consume() async throws {
        try send(0..<40)
        let daemon = try DaemonProcess(in: TemporaryDirectory(), configuration: configuration())
        let port = try #require(daemon.listeningPort(), "\(daemon.stderr)")
        #expect(DaemonProcess.wait(seconds: 60) { events(daemon) == 1000 }, "\(daemon.stderr)")
        let positions = try keywatch(["query", "--db", daemon.db, "--sql",
                                      "SELECT part, position FROM input_positions WHERE input = '\(input)' ORDER BY part", "--format", "csv"])
        #expect(positions.stdout.split(separator: "\n").dropFirst() == ["0,10", "1,10", "2,10", "3,10"], "\(positions.stdout)")
        // Message 5 is partition 1's second (offset 1); its records are 125 to 149.
        let origin = try keywatch(["query", "--db", daemon.db, "--sql",
                                   "SELECT origin FROM events WHERE request_id = '00000000-0000-4000-8000-000000000130'", "--format", "csv"])
        #expect(origin.stdout.contains("\(input)/1@1"), "\(origin.stdout)")
        #expect(try await metric(port, "keywatch_input_messages_total{input=\"\(input)\"}") == 40)
        #expect(try await metric(port, "keywatch_input_bytes_total{input=\"\(input)\"}") ?? 0 > 40 * 25 * 300)
        let input = input
        #expect(await eventually(seconds: 30) {
            let lag = try await metric(port, "keywatch_input_lag_messages{input=\"\(input)\"}")
            let caughtUp = try await metric(port, "keywatch_input_caught_up{input=\"\(input)\"}")
            return lag == 0 && caughtUp == 1
        }, "read to the end of every partition: no lag, caught up")
        try send(40..<48)
        #expect(DaemonProcess.wait(seconds: 60) { events(daemon) == 1200 }, "messages sent later are read too")
        #expect(daemon.terminate().status == 0)
    }

    @Test("SIGKILL while reading, three times, then a restart: every event stored once, each run resuming at the store's offsets")
    func killAndResume() async throws {
        let directory = TemporaryDirectory()
        var sent = 0
        var stored: Int64 = 0
        for round in 0..<3 {
            try send(sent..<sent + 80, perMessage: 50)
            sent += 80
            let daemon = try DaemonProcess(in: directory, configuration: configuration())
            let port = try #require(daemon.listeningPort(), "\(daemon.stderr)")
            let before = stored
            #expect(DaemonProcess.wait(seconds: 60) { events(daemon) > before }, "round \(round): \(daemon.stderr)")
            // What a restart read again from an older offset would be counted as duplicates.
            #expect(try await metric(port, "keywatch_duplicates_total") == 0, "round \(round)")
            daemon.kill()
            stored = events(daemon)
        }
        let daemon = try DaemonProcess(in: directory, configuration: configuration())
        let port = try #require(daemon.listeningPort(), "\(daemon.stderr)")
        #expect(DaemonProcess.wait(seconds: 90) { events(daemon) >= Int64(sent * 50) }, "\(daemon.stderr)")
        #expect(events(daemon) == Int64(sent * 50))
        #expect(try daemon.count("SELECT count(DISTINCT request_id) FROM events") == Int64(sent * 50))
        #expect(try await metric(port, "keywatch_duplicates_total") == 0)
        // Read only what the store did not hold: fewer messages than were sent, unless the last
        // kill came after every one was stored.
        let read = try await metric(port, "keywatch_input_messages_total{input=\"\(input)\"}") ?? -1
        #expect(read >= 0 && read <= Double(sent))
        #expect(daemon.terminate().status == 0)
    }

    @Test("a consumer group new to the hub reading into a store that holds its events: it starts at the store's offsets, not the group's")
    func storeOffsetsOverKafkas() async throws {
        let directory = TemporaryDirectory()
        try send(0..<20)
        let first = try DaemonProcess(in: directory, configuration: configuration(group: "first"))
        #expect(DaemonProcess.wait(seconds: 60) { events(first) == 500 }, "\(first.stderr)")
        #expect(first.terminate().status == 0)
        try send(20..<24)
        // The group "second" has no offset in Kafka: by Kafka's it would read all 24 messages again.
        let second = try DaemonProcess(in: directory, configuration: configuration(group: "second"))
        let port = try #require(second.listeningPort(), "\(second.stderr)")
        #expect(DaemonProcess.wait(seconds: 60) { events(second) == 600 }, "\(second.stderr)")
        #expect(try await metric(port, "keywatch_input_messages_total{input=\"\(input)\"}") == 4)
        #expect(try await metric(port, "keywatch_duplicates_total") == 0)
        #expect(second.stderr.contains("partitions=0@5,1@5,2@5,3@5"), "\(second.stderr)")
        #expect(second.terminate().status == 0)
    }

    @Test("two daemons in one consumer group, each with its store: the partitions are shared, and the stores hold every event once between them")
    func rebalance() async throws {
        try send(0..<40)
        let one = try DaemonProcess(in: TemporaryDirectory(), configuration: configuration())
        #expect(DaemonProcess.wait(seconds: 60) { events(one) == 1000 }, "\(one.stderr)")
        let two = try DaemonProcess(in: TemporaryDirectory(), configuration: configuration())
        // The group rebalances: each daemon gets two of the four partitions.
        #expect(DaemonProcess.wait(seconds: 60) {
            one.stderr.components(separatedBy: "event hub partitions assigned").count >= 3
                && two.stderr.contains("event hub partitions assigned")
        }, "\(one.stderr)\n\(two.stderr)")
        try send(40..<80)
        #expect(DaemonProcess.wait(seconds: 60) { events(one) + events(two) >= 2000 }, "\(one.stderr)\n\(two.stderr)")
        #expect(events(two) > 0, "the second daemon read its partitions' new messages")
        // The first leaves: its partitions go to the second, which starts where the first stored up to.
        #expect(one.terminate().status == 0)
        try send(80..<120)
        #expect(DaemonProcess.wait(seconds: 60) { events(one) + events(two) >= 3000 }, "\(two.stderr)")
        #expect(events(one) + events(two) == 3000)
        let keys = try [one, two].map { daemon in
            try SQLiteConnection(path: daemon.db, readOnly: true).scalar("SELECT count(DISTINCT request_id) FROM events") ?? -1
        }
        #expect(keys[0] + keys[1] == 3000)
        #expect(two.terminate().status == 0)
    }

    @Test("hostile messages — not JSON, records not a list, two records not objects, one over the size limit, an empty one — rejected with a reason and counted; their neighbours stored")
    func hostileMessages() async throws {
        try send(0..<2)
        let hostile: [[UInt8]] = [
            Array("not json at all".utf8),
            Array("{\"records\": 5}".utf8),
            Array("{\"records\":[\"a string\", \"another\"]}".utf8),
            Array("{\"records\":[{\"operationName\":\"SecretGet\",\"padding\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 9 << 20)
                + Array("\"}]}".utf8),
            [],
        ]
        for message in hostile { try producer.send(message, partition: 0) }
        try producer.flush()
        try send(4..<6)
        let daemon = try DaemonProcess(in: TemporaryDirectory(), configuration: configuration())
        let port = try #require(daemon.listeningPort(), "\(daemon.stderr)")
        #expect(DaemonProcess.wait(seconds: 60) { events(daemon) == 100 && (try? daemon.count("SELECT count(*) FROM rejects")) == 6 },
                "\(daemon.stderr)")
        #expect(try await metric(port, "keywatch_rejects_total") == 6)
        let rejects = try keywatch(["query", "--db", daemon.db, "--sql", "SELECT reason FROM rejects ORDER BY id", "--format", "csv"])
        let reasons = rejects.stdout.split(separator: "\n").dropFirst().map(String.init)
        #expect(reasons.count == 6, "two bad records of one message are two rejects: \(rejects.stdout)")
        #expect(reasons.first?.contains("invalid JSON") == true, "\(reasons)")
        #expect(reasons.dropFirst().first?.contains("unrecognized record") == true, "\(reasons)")
        #expect(reasons.dropFirst(2).first?.contains("not a JSON object") == true, "\(reasons)")
        #expect(reasons.dropFirst(3).first?.contains("not a JSON object") == true, "\(reasons)")
        #expect(reasons.dropFirst(4).first?.contains("larger than the 8388608-byte limit") == true, "\(reasons)")
        #expect(reasons.last == "an empty message", "\(reasons)")
        #expect(daemon.terminate().status == 0)
    }

    @Test("SASL PLAIN with the connection string as Event Hubs asks; a broker refusing it is said in the log, the secret never")
    func saslPlain() throws {
        let secured = try KafkaBroker(topics: [:], authentication: true)
        let secret = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=keywatch;SharedAccessKey=c2VjcmV0LWtleXdhdGNo"
        let daemon = try DaemonProcess(in: TemporaryDirectory(), configuration: """
            db: ./k.db
            rules: \(repositoryRoot.appendingPathComponent("rules").path)
            eventhub:
              - bootstrap: \(secured.bootstrap)
                hub: \(Self.hub)
                consumer_group: keywatch
                connection_string_env: EVENTHUB_CONNECTION_STRING
                tls: false
            """, environment: ["EVENTHUB_CONNECTION_STRING": secret])
        // Tansu offers SCRAM only: the PLAIN handshake Event Hubs wants is refused.
        #expect(DaemonProcess.wait(seconds: 30) { daemon.stderr.contains("SASL PLAIN mechanism handshake failed") }, "\(daemon.stderr)")
        #expect(daemon.stderr.contains("cannot read the event hub"))
        #expect(daemon.terminate().status == 0, "the daemon runs on, retrying, until stopped")
        #expect(!daemon.stderr.contains("c2VjcmV0LWtleXdhdGNo"))
    }

    @Test("a connection string missing from the environment: the daemon does not start, and says which")
    func missingConnectionString() throws {
        let daemon = try DaemonProcess(in: TemporaryDirectory(), configuration: """
            db: ./k.db
            rules: \(repositoryRoot.appendingPathComponent("rules").path)
            eventhub:
              - {bootstrap: "ns.servicebus.windows.net:9093", hub: h, connection_string_env: KEYWATCH_NO_SUCH_VARIABLE}
            """)
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus != 0)
        #expect(daemon.stderr.contains("KEYWATCH_NO_SUCH_VARIABLE is not set"), "\(daemon.stderr)")
    }
}

/// Waits until `condition` holds, up to `seconds`; returns whether it did.
private func eventually(seconds: Double, _ condition: () async throws -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return (try? await condition()) == true
}
