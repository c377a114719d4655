import Foundation
import KeywatchIngest
import KeywatchTestSupport
import Testing

/// The `sqs:` input of a running daemon against a real S3 and SQS endpoint (moto's server):
/// CloudTrail files uploaded to a bucket, announced on a queue in every shape AWS sends.
@Suite("sqs: input", .serialized)
struct QueueInputTests {
    let server: MotoServer
    let s3: S3Client
    let queue: SQSClient
    static let credentials = AWSCredentials(accessKeyID: "AKIAKEYWATCHTEST", secretAccessKey: "secret")
    static let prefix = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/"

    init() throws {
        server = try MotoServer()
        s3 = S3Client(region: "us-east-1", endpoint: server.endpoint, credentials: Self.credentials)
        try s3.createBucket("org-cloudtrail")
        let setUp = SQSClient(queueURL: "", region: "us-east-1", endpoint: server.endpoint, credentials: Self.credentials)
        queue = SQSClient(queueURL: try setUp.createQueue("cloudtrail-notifications"), region: "us-east-1", endpoint: server.endpoint,
                          credentials: Self.credentials)
    }

    /// A daemon reading the queue, its /metrics on `port`.
    func daemon(in directory: TemporaryDirectory, port: Int, maxReceives: Int = 5, visibility: String = "5m") throws -> DaemonProcess {
        try DaemonProcess(in: directory, configuration: """
            db: ./k.db
            rules: \(repositoryRoot.appendingPathComponent("rules").path)
            sqs:
              - queue_url: \(queue.queueURL)
                region: us-east-1
                endpoint: \(server.endpoint)
                max_receives: \(maxReceives)
                visibility_timeout: \(visibility)
            http: {listen: "127.0.0.1:\(port)"}
            """, environment: ["AWS_ACCESS_KEY_ID": Self.credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": "secret",
                               "AWS_PROFILE": "", "HOME": directory.path("")])
    }

    /// Uploads CloudTrail files of events `ranges`, the ones at `gzipped` indexes compressed; returns their keys.
    func upload(_ ranges: [Range<Int>], names: [String]? = nil, gzipped: Set<Int> = []) throws -> [String] {
        try ranges.enumerated().map { index, range in
            let key = Self.prefix + (names?[index] ?? "111122223333_CloudTrail_us-east-1_20261120T1000Z_\(index).json")
            let text = Array(SyntheticLogs.cloudTrailFile(range).utf8)
            try s3.put(gzipped.contains(index) ? gzipBytes(text) : text, bucket: "org-cloudtrail", key: key + (gzipped.contains(index) ? ".gz" : ""))
            return key + (gzipped.contains(index) ? ".gz" : "")
        }
    }

    /// An S3 event notification of `key`, URL-encoded as S3 sends it, with the object's ETag.
    func s3Event(_ key: String) throws -> String {
        let eTag = (try? s3.object(S3ObjectReference(bucket: "org-cloudtrail", key: key)).eTag) ?? nil
        let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-_.~ ")))!
            .replacingOccurrences(of: " ", with: "+")
        return """
            {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-20T10:05:00.000Z",\
            "eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"org-cloudtrail",\
            "arn":"arn:aws:s3:::org-cloudtrail"},"object":{"key":"\(encoded)","size":1024\(eTag.map { ",\"eTag\":\"\($0)\"" } ?? "")}}}]}
            """
    }

    /// `message` inside an SNS envelope, as a topic without raw delivery sends it.
    static func sns(_ message: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: [
            "Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:us-east-1:111122223333:cloudtrail", "Message": message,
        ]), as: UTF8.self)
    }

    static func eventBridge(_ key: String) -> String {
        """
        {"version":"0","id":"e","detail-type":"Object Created","source":"aws.s3","account":"111122223333","time":"2026-11-20T10:05:00Z",\
        "region":"us-east-1","resources":["arn:aws:s3:::org-cloudtrail"],"detail":{"version":"0","bucket":{"name":"org-cloudtrail"},\
        "object":{"key":"\(key)","size":1024},"reason":"PutObject"}}
        """
    }

    /// Waits until the daemon's store holds `events` events and the queue neither waits nor hides a message.
    func waitForAll(_ events: Int64, in daemons: [DaemonProcess], seconds: Double = 60) -> Bool {
        DaemonProcess.wait(seconds: seconds) {
            let stored = try daemons.reduce(Int64(0)) { $0 + (try $1.count("SELECT count(*) FROM event_rows")) }
            let counts = try queue.messageCounts()
            return stored == events && counts.waiting == 0 && counts.hidden == 0
        }
    }

    @Test("notifications in every shape are read, each object once; test events and digests are skipped and counted")
    func everyShape() async throws {
        let keys = try upload([0..<10, 10..<20, 20..<30, 30..<40, 40..<50],
                              names: ["a 1+x.json", "b.json", "c.json", "d.json", "e.json"], gzipped: [1])
        try queue.send(try s3Event(keys[0]))
        try queue.send(try Self.sns(try s3Event(keys[1])))
        try queue.send(try Self.sns(#"{"s3Bucket":"org-cloudtrail","s3ObjectKey":["\#(keys[2])","\#(keys[3])"]}"#))
        try queue.send(Self.eventBridge(keys[4]))
        try queue.send(#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-20T10:00:00.000Z","Bucket":"org-cloudtrail"}"#)
        try queue.send(#"{"s3Bucket":"org-cloudtrail","s3ObjectKey":["AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/20/d.json.gz"]}"#)
        let directory = TemporaryDirectory()
        let port = freePort()
        let daemon = try daemon(in: directory, port: port)
        #expect(waitForAll(50, in: [daemon]), "\(daemon.stderr)")
        // The first object named again, as a redelivered or second notification would.
        try queue.send(try s3Event(keys[0]))
        let input = "sqs:\(queue.queueURL)"
        #expect(DaemonProcess.wait(seconds: 30) {
            let counts = try queue.messageCounts()
            return counts.waiting == 0 && counts.hidden == 0
        })
        #expect(try await metric(port, "keywatch_input_messages_total{input=\"\(input)\"}") == 7)
        #expect(try await metric(port, "keywatch_input_objects_total{input=\"\(input)\"}") == 5)
        #expect(try await metric(port, "keywatch_input_messages_skipped_total{input=\"\(input)\",reason=\"test-event\"}") == 1)
        #expect(try await metric(port, "keywatch_input_messages_skipped_total{input=\"\(input)\",reason=\"digest\"}") == 1)
        #expect(try await metric(port, "keywatch_input_messages_skipped_total{input=\"\(input)\",reason=\"already-read\"}") == 1)
        #expect(daemon.terminate().status == 0)
        #expect(try daemon.count("SELECT count(*) FROM event_rows") == 50)
        #expect(try daemon.count("SELECT count(*) FROM s3_objects") == 5)
        #expect(try daemon.count("SELECT count(*) FROM events WHERE origin LIKE 's3://org-cloudtrail/%a 1+x.json@%'") == 10,
                "the URL-encoded key decoded")
    }

    @Test("a message that cannot be read goes back to the queue, and after max_receives is a reject; its neighbours are stored")
    func poisonMessages() throws {
        let keys = try upload([0..<10])
        try queue.send("not a notification")
        try queue.send(try s3Event(Self.prefix + "missing.json"))
        try queue.send(try s3Event(keys[0]))
        let directory = TemporaryDirectory()
        let daemon = try daemon(in: directory, port: freePort(), maxReceives: 2)
        #expect(DaemonProcess.wait(seconds: 60) {
            try daemon.count("SELECT count(*) FROM rejects") == 2 && (try queue.messageCounts()).waiting == 0
                && (try queue.messageCounts()).hidden == 0
        }, "\((try? daemon.count("SELECT count(*) FROM rejects")) ?? -1) rejects, queue \(String(describing: try? queue.messageCounts())): \(daemon.stderr)")
        #expect(try daemon.count("SELECT count(*) FROM event_rows") == 10)
        #expect(try daemon.count("SELECT count(*) FROM rejects WHERE reason LIKE 'failed 2 times: not a notification of new objects: not JSON%'") == 1)
        #expect(try daemon.count("SELECT count(*) FROM rejects WHERE reason LIKE 'failed 2 times: s3://org-cloudtrail/%missing.json: GET % HTTP 404%'") == 1)
        #expect(daemon.stderr.contains("goes back to the queue"))
        #expect(daemon.terminate().status == 0)
    }

    @Test("killed at any step of receive, fetch, commit and delete, five times: every event stored once")
    func killedFiveTimes() throws {
        let ranges = (0..<20).map { $0 * 50..<($0 + 1) * 50 }
        for key in try upload(ranges, gzipped: Set(stride(from: 0, to: 20, by: 3))) { try queue.send(try s3Event(key)) }
        let directory = TemporaryDirectory()
        var random = SplitMix64(seed: 35)
        for _ in 0..<5 {
            let daemon = try daemon(in: directory, port: freePort(), visibility: "2s")
            usleep(UInt32(200_000 + random.next() % 1_500_000))
            daemon.kill()
        }
        let daemon = try daemon(in: directory, port: freePort(), visibility: "2s")
        #expect(waitForAll(1000, in: [daemon], seconds: 90), "\(daemon.stderr)")
        #expect(try daemon.count("SELECT count(DISTINCT key) FROM events") == 1000)
        #expect(try daemon.count("SELECT count(*) FROM s3_objects") == 20)
        #expect(daemon.terminate().status == 0)
    }

    @Test("two daemons on one queue share its messages: together they store every event once")
    func twoDaemons() throws {
        let ranges = (0..<20).map { $0 * 50..<($0 + 1) * 50 }
        for key in try upload(ranges) { try queue.send(try s3Event(key)) }
        let first = try daemon(in: TemporaryDirectory(), port: freePort())
        let second = try daemon(in: TemporaryDirectory(), port: freePort())
        #expect(waitForAll(1000, in: [first, second], seconds: 90), "\(first.stderr)\n\(second.stderr)")
        #expect(try first.count("SELECT count(*) FROM s3_objects") + second.count("SELECT count(*) FROM s3_objects") == 20)
        #expect(first.terminate().status == 0)
        #expect(second.terminate().status == 0)
    }
}
