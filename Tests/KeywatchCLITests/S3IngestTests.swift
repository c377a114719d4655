import Foundation
import Testing
import KeywatchIngest
import KeywatchTestSupport

/// `keywatch ingest s3://bucket/prefix` against a real S3 endpoint (moto's server), the sample
/// CloudTrail tree uploaded as CloudTrail lays it out.
@Suite("keywatch ingest s3://", .serialized)
struct S3IngestTests {
    let server: MotoServer
    let directory = TemporaryDirectory()
    static let tree = repositoryRoot.appendingPathComponent("sample-logs/cloudtrail")
    /// Credentials as the environment gives them (moto takes any): never on the command line.
    var credentials: [String] { ["/usr/bin/env", "AWS_ACCESS_KEY_ID=AKIAKEYWATCHTEST", "AWS_SECRET_ACCESS_KEY=secret", "HOME=\(directory.path(""))"] }

    init() throws {
        server = try MotoServer()
        let client = S3Client(region: "us-east-1", endpoint: server.endpoint,
                              credentials: AWSCredentials(accessKeyID: "AKIAKEYWATCHTEST", secretAccessKey: "secret"))
        try client.createBucket("org-cloudtrail")
        let files = FileManager.default.enumerator(atPath: Self.tree.path)!.compactMap { $0 as? String }
        for file in files {
            var isDirectory: ObjCBool = false
            let path = Self.tree.appendingPathComponent(file).path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            try client.put(Array(try Data(contentsOf: URL(fileURLWithPath: path))), bucket: "org-cloudtrail", key: file)
        }
        try client.put(Array("{\"Records\":[]}".utf8), bucket: "org-cloudtrail", key: "elsewhere/not-under-the-prefix.json")
    }

    func ingest(_ arguments: [String], environment: [String]? = nil) throws -> Run {
        try keywatch(["ingest", "--no-detect", "--endpoint", server.endpoint, "--region", "us-east-1"] + arguments,
                     launcher: environment ?? credentials)
    }

    @Test("the objects under a prefix are stored as the same files from disk are, their origins s3://; again, nothing twice")
    func sameAsFromDisk() throws {
        let fromDisk = try keywatch(["ingest", "--no-detect", "--db", directory.path("disk.db"), Self.tree.path])
        #expect(fromDisk.status == 0, "\(fromDisk.stderr)")
        let db = directory.path("s3.db")
        let fromS3 = try ingest(["--db", db, "s3://org-cloudtrail/AWSLogs/"])
        #expect(fromS3.status == 0, "\(fromS3.stderr)")
        func stored(_ run: Run) -> Int? {
            guard let end = run.stderr.range(of: " events stored") else { return nil }
            return Int(run.stderr[..<end.lowerBound].split(separator: " ").last ?? "")
        }
        #expect(stored(fromS3) == 40 && stored(fromDisk) == 40, "\(fromS3.stderr) / \(fromDisk.stderr)")
        #expect(fromS3.stderr.contains("ingested 2 files"), "the two log files; the digest left out: \(fromS3.stderr)")
        let keys = try keywatch(["query", "--db", db, "--sql", "SELECT key, origin FROM events ORDER BY key", "--format", "csv"])
        let diskKeys = try keywatch(["query", "--db", directory.path("disk.db"), "--sql", "SELECT key FROM events ORDER BY key", "--format", "csv"])
        let origins = keys.stdout.split(separator: "\n").dropFirst()
        #expect(!origins.isEmpty && origins.allSatisfy { $0.contains(",s3://org-cloudtrail/AWSLogs/111122223333/CloudTrail/") }, "\(keys.stdout)")
        let s3Keys: [String] = origins.map { line in String(line.split(separator: ",").first ?? "") }
        let expected: [String] = diskKeys.stdout.split(separator: "\n").dropFirst().map(String.init)
        #expect(s3Keys == expected, "the same events")
        let again = try ingest(["--db", db, "s3://org-cloudtrail/AWSLogs/"])
        #expect(again.status == 0 && again.stderr.contains(" 0 events stored"), "\(again.stderr)")
    }

    @Test("no credentials, a bad URL, a missing bucket: a clear error and status 2")
    func problems() throws {
        let none = try ingest(["--db", directory.path("x.db"), "s3://org-cloudtrail/AWSLogs/"],
                              environment: ["/usr/bin/env", "-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_PROFILE", "HOME=\(directory.path("none"))"])
        #expect(none.status == 2 && none.stderr.contains("no AWS credentials"), "\(none.stderr)")
        let bad = try ingest(["--db", directory.path("x.db"), "s3://Not_A_Bucket/x"])
        #expect(bad.status == 2 && bad.stderr.contains("is not s3://bucket/prefix"), "\(bad.stderr)")
        let missing = try ingest(["--db", directory.path("x.db"), "s3://no-such-bucket/AWSLogs/"])
        #expect(missing.status == 2 && missing.stderr.contains("NoSuchBucket"), "\(missing.stderr)")
    }
}
