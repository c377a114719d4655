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

/// Web-identity credentials (IRSA): the token exchanged with STS for a role session.
@Suite("AWS web identity", .serialized)
struct WebIdentityTests {
    @Test("with only a web-identity token and a role, ingest s3:// exchanges it with STS and reads; a missing token file is said")
    func exchangesTheToken() throws {
        let server = try MotoServer()
        let directory = TemporaryDirectory()
        let client = S3Client(region: "us-east-1", endpoint: server.endpoint,
                              credentials: AWSCredentials(accessKeyID: "AKIAKEYWATCHTEST", secretAccessKey: "secret"))
        try client.createBucket("trail")
        try client.put(Array(SyntheticLogs.cloudTrailFile(0..<7).utf8), bucket: "trail", key: "AWSLogs/f.json")
        try directory.write("token", "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl\n")
        let environment = ["/usr/bin/env", "-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY", "HOME=\(directory.path(""))",
                           "AWS_ROLE_ARN=arn:aws:iam::111122223333:role/keywatch", "AWS_WEB_IDENTITY_TOKEN_FILE=\(directory.path("token"))"]
        let run = try keywatch(["ingest", "--no-detect", "--db", directory.path("k.db"), "--endpoint", server.endpoint, "--region", "us-east-1",
                                "s3://trail/AWSLogs/"], launcher: environment)
        #expect(run.status == 0 && run.stderr.contains(" 7 events stored"), "\(run.stderr)")
        var missing = environment
        missing[missing.count - 1] = "AWS_WEB_IDENTITY_TOKEN_FILE=\(directory.path("gone"))"
        let failed = try keywatch(["ingest", "--db", directory.path("k.db"), "--endpoint", server.endpoint, "s3://trail/AWSLogs/"],
                                  launcher: missing)
        #expect(failed.status == 2 && failed.stderr.contains("cannot read the web identity token"), "\(failed.stderr)")
    }
}
