import Foundation
import Testing
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
@testable import KeywatchIngest

/// Tailing a real directory into a real store: growth, restarts, rotation, truncation, reused
/// inodes, look-alike files, gzip files still being written.
@Suite("Tailing")
struct TailingTests {
    @Test("a growing file is read as it grows; a partial last line waits for its newline, across a restart")
    func partialLineAcrossRestart() throws {
        let tail = try TailHarness()
        try tail.write("PT1H.json", SyntheticLogs.keyVaultLines(0..<3))
        try tail.pass()
        #expect(try tail.events == 3)

        let fourth = SyntheticLogs.keyVaultLine(3)
        let cut = fourth.index(fourth.startIndex, offsetBy: 100)
        try tail.append("PT1H.json", String(fourth[..<cut]))
        try tail.pass()
        #expect(try tail.events == 3)
        #expect(try tail.rejects == 0)

        try tail.restart()
        try tail.append("PT1H.json", String(fourth[cut...]) + "\n" + SyntheticLogs.keyVaultLines(4..<6))
        try tail.pass()
        #expect(try tail.events == 6)
        #expect(try tail.rejects == 0)
        #expect(try tail.scalar("SELECT count(*) FROM events WHERE origin LIKE '%PT1H.json@%'") == 6)
        // Offsets are offsets in the file, also after resuming mid-way.
        let size = try FileManager.default.attributesOfItem(atPath: tail.path("PT1H.json"))[.size] as! Int
        #expect(try tail.scalar("SELECT offset FROM tailed_files") == Int64(size))
        #expect(try tail.scalar("SELECT max(input_offset) FROM event_rows") == Int64(size - SyntheticLogs.keyVaultLine(5).utf8.count - 1))
    }

    @Test("a restart reads nothing twice: offsets committed with their events, also in batches cut mid-file")
    func restartResumesAtOffset() throws {
        let tail = try TailHarness()
        tail.options.batchEvents = 7
        try tail.restart()
        try tail.write("a/PT1H.json", SyntheticLogs.keyVaultLines(0..<50))
        try tail.pass()
        try tail.restart()
        try tail.pass()
        #expect(try tail.events == 50)
        #expect(tail.metrics.exposition(writerBacklog: 0).contains("keywatch_duplicates_total 0"))
    }

    @Test("rotation by rename: the renamed file is finished, the new one read from its start")
    func rotationByRename() throws {
        let tail = try TailHarness(include: ["**/*.json"])
        try tail.write("app.json", SyntheticLogs.keyVaultLines(0..<10))
        try tail.pass()
        // Lines land just before rotation; the rotated name is outside the include pattern.
        try tail.append("app.json", SyntheticLogs.keyVaultLines(10..<15))
        try FileManager.default.moveItem(atPath: tail.path("app.json"), toPath: tail.path("app.json.1"))
        try tail.write("app.json", SyntheticLogs.keyVaultLines(15..<20))
        try tail.pass()
        #expect(try tail.events == 20)
        #expect(try tail.distinctRecords == 20)
        #expect(try tail.scalar("SELECT count(*) FROM tailed_files") == 1)
    }

    @Test("rotation by rename within the pattern keeps the offset: nothing read twice")
    func renameKeepsOffset() throws {
        let tail = try TailHarness()
        try tail.write("app.json", SyntheticLogs.keyVaultLines(0..<10))
        try tail.pass()
        try FileManager.default.moveItem(atPath: tail.path("app.json"), toPath: tail.path("app.json.1"))
        try tail.append("app.json.1", SyntheticLogs.keyVaultLines(10..<12))
        try tail.write("app.json", SyntheticLogs.keyVaultLines(12..<14))
        try tail.pass()
        #expect(try tail.events == 14)
        #expect(tail.metrics.exposition(writerBacklog: 0).contains("keywatch_duplicates_total 0"))
    }

    @Test("copytruncate: the truncated file starts over; the copy's records are not stored twice")
    func copyTruncate() throws {
        let tail = try TailHarness()
        try tail.write("app.json", SyntheticLogs.keyVaultLines(0..<10))
        try tail.pass()
        try FileManager.default.copyItem(atPath: tail.path("app.json"), toPath: tail.path("app.json.1"))
        try FileHandle(forWritingTo: URL(fileURLWithPath: tail.path("app.json"))).truncate(atOffset: 0)
        try tail.append("app.json", SyntheticLogs.keyVaultLines(10..<13))
        try tail.pass()
        #expect(try tail.events == 13)
        #expect(try tail.distinctRecords == 13)
        #expect(try tail.rejects == 0)
    }

    @Test("a file rewritten under the same inode while keywatch was down is read from its start")
    func reusedInode() throws {
        let tail = try TailHarness()
        try tail.write("app.json", SyntheticLogs.keyVaultLines(0..<5))
        try tail.pass()
        try tail.restart()
        // Same inode, other bytes, longer than the saved offset: only the fingerprint tells.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tail.path("app.json")))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(SyntheticLogs.keyVaultLines(100..<110).utf8))
        try handle.close()
        try tail.pass()
        #expect(try tail.events == 15)
        #expect(try tail.rejects == 0)
    }

    @Test("two files with the same first kilobyte are two files")
    func sameHead() throws {
        let tail = try TailHarness()
        let head = SyntheticLogs.keyVaultLines(0..<3)
        #expect(head.utf8.count > 1024)
        try tail.write("one.json", head + SyntheticLogs.keyVaultLines(10..<12))
        try tail.write("two.json", head + SyntheticLogs.keyVaultLines(20..<25))
        try tail.pass()
        try tail.restart()
        try tail.append("two.json", SyntheticLogs.keyVaultLines(25..<26))
        try tail.pass()
        #expect(try tail.events == 3 + 2 + 6)
        #expect(try tail.scalar("SELECT count(*) FROM tailed_files") == 2)
    }

    @Test("a 40-byte file grows into records; its fingerprint grows with it")
    func smallFile() throws {
        let tail = try TailHarness()
        let line = SyntheticLogs.keyVaultLine(1) + "\n"
        try tail.write("small.json", String(line.prefix(40)))
        try tail.pass()
        #expect(try tail.events == 0)
        try tail.restart()
        try tail.append("small.json", String(line.dropFirst(40)) + SyntheticLogs.keyVaultLines(2..<4))
        try tail.pass()
        #expect(try tail.events == 3)
        #expect(try tail.scalar("SELECT fingerprint_length FROM tailed_files") == 1024)
    }

    @Test("a gzip file still being written waits for its trailer, then is read once")
    func gzipBeingWritten() throws {
        let tail = try TailHarness()
        let compressed = gzip(Array(#"{"Records":["# .utf8) + Array(cloudTrailRecords(0..<40).utf8) + Array("]}".utf8))
        let half = compressed.count / 2
        try tail.directory.write("logs/ct.json.gz", Array(compressed[..<half]))
        try tail.pass()
        #expect(try tail.events == 0)
        #expect(try tail.rejects == 0)
        try tail.directory.write("logs/ct.json.gz", compressed)
        try tail.pass()
        #expect(try tail.events == 40)
        try tail.restart()
        try tail.pass()
        #expect(tail.metrics.exposition(writerBacklog: 0).contains("keywatch_duplicates_total 0"))
        #expect(try tail.scalar("SELECT complete FROM tailed_files") == 1)
    }

    @Test("a gzip file that never gets its trailer is read once it has settled; its tail is rejected")
    func truncatedGzipSettles() throws {
        let tail = try TailHarness()
        tail.options.settleSeconds = 0
        try tail.restart()
        let compressed = gzip(Array(#"{"Records":["# .utf8) + Array(cloudTrailRecords(0..<40).utf8) + Array("]}".utf8))
        try tail.directory.write("logs/ct.json.gz", Array(compressed.dropLast(8)))
        try tail.pass()
        #expect(try tail.rejects >= 1)
        #expect(try tail.scalar("SELECT reason FROM rejects LIMIT 1") > -1)
    }

    @Test("a gzip bomb as a tailed file is refused with a reason; the files around it are read")
    func gzipBombFile() throws {
        let tail = try TailHarness()
        try tail.write("a.json", SyntheticLogs.keyVaultLines(0..<3))
        try tail.directory.write("logs/bomb.json.gz", gzipBomb(prefix: Array("[".utf8), filler: 0x20, count: 1 << 30))
        try tail.write("z.json", SyntheticLogs.keyVaultLines(3..<6))
        try tail.pass()
        #expect(try tail.events == 6)
        #expect(try tail.scalar("SELECT count(*) FROM rejects WHERE reason LIKE '%decompression bomb%'") == 1)
    }

    @Test("include patterns: ** at any depth, * within one segment")
    func includePatterns() {
        let pt1h = PathGlob("**/PT1H.json")
        #expect(pt1h.matches("PT1H.json"))
        #expect(pt1h.matches("resourceId=/SUBSCRIPTIONS/X/y=2026/m=11/d=20/h=09/m=00/PT1H.json"))
        #expect(!pt1h.matches("PT1H.json.1"))
        let trails = PathGlob("**/*_CloudTrail_*.json.gz")
        #expect(trails.matches("111122223333/CloudTrail/us-east-1/2026/11/20/111122223333_CloudTrail_us-east-1_20261120T0915Z_X.json.gz"))
        #expect(!trails.matches("111122223333/CloudTrail-Digest/us-east-1/2026/11/20/111122223333_CloudTrail-Digest_us-east-1_x.json.gz"))
        #expect(!PathGlob("*.json").matches("a/b.json"))
        #expect(PathGlob("a/**/b/*.json").matches("a/b/c.json"))
    }
}

/// CloudTrail KMS records, comma-separated, one per number.
func cloudTrailRecords(_ range: Range<Int>) -> String {
    range.map { n in
        """
        {"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s\(n)",\
        "accountId":"111122223333"},"eventTime":"2026-11-20T10:\(String(format: "%02d", n / 60 % 60)):\(String(format: "%02d", n % 60))Z",\
        "eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1",\
        "requestParameters":{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"},"responseElements":null,\
        "requestID":"req-\(n)","eventID":"00000000-0000-4000-8000-\(String(format: "%012d", n))",\
        "resources":[{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:111122223333:key/k1"}],\
        "eventType":"AwsApiCall","recipientAccountId":"111122223333"}
        """
    }.joined(separator: ",")
}
