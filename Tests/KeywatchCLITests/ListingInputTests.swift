import Foundation
import KeywatchIngest
import KeywatchStore
import KeywatchTestSupport
import Testing

/// The `s3:` input of a running daemon against a real S3 endpoint (moto's server): a prefix
/// listed in key order, resumed from the last key committed.
@Suite("s3: input", .serialized)
struct ListingInputTests {
    let server: MotoServer
    let s3: S3Client
    static let prefix = "AWSLogs/111122223333/CloudTrail/us-east-1/"

    init() throws {
        server = try MotoServer()
        s3 = S3Client(region: "us-east-1", endpoint: server.endpoint,
                      credentials: AWSCredentials(accessKeyID: "AKIAKEYWATCHTEST", secretAccessKey: "secret"))
        try s3.createBucket("org-cloudtrail")
    }

    func put(_ name: String, _ range: Range<Int>) throws {
        try s3.put(gzipBytes(Array(SyntheticLogs.cloudTrailFile(range).utf8)), bucket: "org-cloudtrail", key: Self.prefix + name)
    }

    func daemon(in directory: TemporaryDirectory, port: Int) throws -> DaemonProcess {
        try DaemonProcess(in: directory, configuration: """
            db: ./k.db
            rules: \(repositoryRoot.appendingPathComponent("rules").path)
            s3:
              - bucket: org-cloudtrail
                prefix: \(Self.prefix)
                region: us-east-1
                endpoint: \(server.endpoint)
                interval: 1s
            http: {listen: "127.0.0.1:\(port)"}
            """, environment: ["AWS_ACCESS_KEY_ID": "AKIAKEYWATCHTEST", "AWS_SECRET_ACCESS_KEY": "secret", "HOME": directory.path("")])
    }

    @Test("objects are read in key order and the last key committed; after a restart only new objects are fetched, a late one of an earlier key too")
    func resumesFromTheLastKey() async throws {
        try put("2026/11/20/111122223333_CloudTrail_us-east-1_20261120T1000Z_b.json.gz", 0..<10)
        try put("2026/11/20/111122223333_CloudTrail_us-east-1_20261120T1005Z_a.json.gz", 10..<20)
        try put("2026/11/21/111122223333_CloudTrail_us-east-1_20261121T0000Z_a.json.gz", 20..<30)
        try s3.put(Array("{}".utf8), bucket: "org-cloudtrail",
                   key: "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/21/d.json.gz")
        let directory = TemporaryDirectory()
        var daemon = try daemon(in: directory, port: freePort())
        #expect(DaemonProcess.wait(seconds: 30) { try daemon.count("SELECT count(*) FROM event_rows") == 30 }, "\(daemon.stderr)")
        #expect(daemon.terminate().status == 0)
        let position = try SQLiteConnectionText.value("SELECT position FROM input_positions", db: daemon.db)
        #expect(position == Self.prefix + "2026/11/21/111122223333_CloudTrail_us-east-1_20261121T0000Z_a.json.gz")

        // A file of the day before that landed late, sorting before the last key, and a new one.
        try put("2026/11/20/111122223333_CloudTrail_us-east-1_20261120T1005Z_0.json.gz", 30..<40)
        try put("2026/11/21/111122223333_CloudTrail_us-east-1_20261121T0005Z_a.json.gz", 40..<50)
        let port = freePort()
        daemon = try self.daemon(in: directory, port: port)
        #expect(DaemonProcess.wait(seconds: 30) { try daemon.count("SELECT count(*) FROM event_rows") == 50 }, "\(daemon.stderr)")
        let input = "s3:org-cloudtrail/\(Self.prefix)"
        #expect(try await metric(port, "keywatch_input_objects_total{input=\"\(input)\"}") == 2, "only the two new objects fetched")
        #expect(daemon.terminate().status == 0)
        #expect(try daemon.count("SELECT count(*) FROM s3_objects") == 5)
    }
}

/// The first column of the first row of `sql` on a store file, as text.
enum SQLiteConnectionText {
    static func value(_ sql: String, db: String) throws -> String? {
        let select = try SQLiteConnection(path: db, readOnly: true).prepare(sql)
        return try select.step() ? select.text(0) : nil
    }
}
