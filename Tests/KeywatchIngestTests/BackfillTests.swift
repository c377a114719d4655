import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
import KeywatchStore
@testable import KeywatchIngest

/// One JSON Lines Key Vault record at second `second`.
func kvLine(_ second: Int, secret: String = "db-password") -> String {
    #"{"time":"2026-11-20T09:00:\#(String(format: "%02d", second)).0000000Z","category":"AuditEvent","operationName":"SecretGet","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-A","identity":{"claim":{"oid":"o","appid":"a"}},"properties":{"id":"https://kv-a.vault.azure.net/secrets/\#(secret)/1","httpStatusCode":200}}"#
}

/// Runs a backfill of `paths` into a new store in `directory`.
func backfill(_ paths: [String], into directory: TemporaryDirectory, options: BackfillOptions = BackfillOptions()) throws -> (IngestSummary, EventReader) {
    let store = try EventStore(path: directory.path("k.db"))
    let summary = try Backfill(store: store, options: options).run(files: try InputFiles.expand(paths))
    return (summary, try EventReader(path: directory.path("k.db")))
}

func rejects(_ reader: EventReader) throws -> [String] {
    let sql = try ReadOnlySQL(path: reader.connection.path)
    return try sql.run("SELECT reason FROM rejects ORDER BY id").rows.map { row in
        if case .text(let text) = row[0] { return text }
        return ""
    }
}

@Suite("Backfill")
struct BackfillTests {
    @Test("the sample logs: every file, every shape, nothing rejected; again: all duplicates")
    func sampleLogs() throws {
        let directory = TemporaryDirectory()
        let samples = repositoryRoot.appendingPathComponent("sample-logs").path
        let (summary, reader) = try backfill([samples], into: directory)
        #expect(summary.rejected == 0)
        #expect(summary.files == 8)
        #expect(summary.stored == 111)
        #expect(summary.skipped == 3)  // the digest, an S3 call, an STS GetCallerIdentity
        #expect(summary.duplicates == 0)
        let events = try reader.events(matching: EventFilter())
        #expect(events.count == 111)
        // As sample-logs/README.md says.
        #expect(events.filter { $0.source == .azureKeyVault }.count == 66)
        #expect(events.filter { $0.source == .awsKMS }.count == 43)
        #expect(events.filter { $0.source == .awsSTS }.count == 2)
        // The CloudWatch Logs subscription payload (base64 gzip) was decoded with real zlib.
        #expect(events.filter { $0.origin.input.hasSuffix("cloudwatch-subscription.json") }.count == 3)
        // Two pipelines: the account's CloudTrail (files and pushes, KMS and STS alike) and the
        // subscription of both vaults, whether a record has a tenant claim or not (the challenges have none).
        #expect(Set(events.filter { $0.source != .azureKeyVault }.map(\.account)) == ["111122223333"])
        #expect(Set(events.filter { $0.source == .azureKeyVault }.map(\.account)) == ["6f2a9c1b-3d4e-4f50-8a61-7b8c9d0e1f2a"])

        let store = try EventStore(path: directory.path("k.db"))
        let again = try Backfill(store: store).run(files: try InputFiles.expand([samples]))
        #expect(again.stored == 0)
        #expect(again.duplicates == 111)
    }

    @Test("hostile files: each bad record rejected with its reason and stored; the records around it kept")
    func hostileInput() throws {
        let directory = TemporaryDirectory()
        let good = (0..<5).map { kvLine($0) }
        // Truncated JSON, invalid UTF-8, NUL bytes, 10,000-deep nesting, a record missing every field.
        var mixed = Array((good[0] + "\n" + String(kvLine(10).dropLast(30)) + "\n" + good[1] + "\n").utf8)
        mixed += Array("{\"operationName\":\"SecretGet\",\"bad\":\"".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)
        mixed += Array("{\"time\":\"2026-11-20T09:00:00Z\",\"x\":\"a\u{0}b\"}\n".utf8)
        mixed += Array(("{\"deep\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}\n").utf8)
        mixed += Array(("{}\n" + good[2] + "\n").utf8)
        try directory.write("logs/mixed/PT1H.json", mixed)
        // A 50 MB line between two good ones.
        var big = Array((good[3] + "\n{\"pad\":\"").utf8)
        big += [UInt8](repeating: UInt8(ascii: "x"), count: 50 << 20)
        big += Array(("\"}\n" + good[4] + "\n").utf8)
        try directory.write("logs/big/PT1H.json", big)
        // A truncated gzip: the records before the cut are kept.
        let trail = (20..<60).map { kvLine($0, secret: "s\($0)") }.joined(separator: "\n") + "\n"
        let compressed = gzip(Array(trail.utf8))
        try directory.write("logs/truncated.json.gz", Array(compressed[0..<(compressed.count * 3 / 4)]))
        // A file of zeros, gzip'd (1 GB when inflated): not JSON, skipped after its first bytes.
        try directory.write("logs/zeros.gz", gzipBomb(prefix: [], filler: 0, count: 1 << 30))
        // A JSON-looking bomb: '[' then a gigabyte of spaces.
        try directory.write("logs/bomb.json.gz", gzipBomb(prefix: Array("[".utf8), filler: 0x20, count: 1 << 30))

        let (summary, reader) = try backfill([directory.path("logs")], into: directory)
        let reasons = try rejects(reader)
        let stored = try reader.events(matching: EventFilter())
        #expect(Set(stored.map(\.time.rfc3339)).isSuperset(of: (0..<5).map { String(format: "2026-11-20T09:00:%02d.000000Z", $0) }))
        #expect(stored.count >= 5 + 10, "five good lines, and the truncated gzip's first records")
        #expect(stored.count < 5 + 40)
        #expect(summary.skippedFiles.count == 1)
        #expect(reasons.contains("unterminated string: the line ends inside it"))
        #expect(reasons.contains("invalid JSON at byte 36: invalid UTF-8"))
        #expect(reasons.contains { $0.contains("unescaped control character NUL byte") })
        #expect(reasons.contains { $0.contains("nesting deeper than 128 levels") })
        #expect(reasons.contains("unrecognized record: neither a CloudTrail event (eventSource) nor a Key Vault AuditEvent (operationName)"))
        #expect(reasons.contains("record larger than the 8388608-byte limit; skipped"))
        #expect(reasons.contains("truncated gzip stream: the input ends before the compressed data does"))
        #expect(reasons.filter { $0.contains("decompresses more than 250:1") }.count == 1, "the JSON-looking bomb; the zeros were skipped")
        #expect(summary.rejected == reasons.count)
    }

    @Test("an unreadable file is reported and counted; the others are read")
    func unreadable() throws {
        let directory = TemporaryDirectory()
        let good = try directory.write("good.json", Array((kvLine(1) + "\n").utf8))
        let locked = try directory.write("locked.json", Array((kvLine(2) + "\n").utf8))
        chmod(locked, 0)
        defer { chmod(locked, 0o644) }
        guard getuid() != 0 else { return }  // root reads anything; nothing to test
        let (summary, _) = try backfill([good, locked], into: directory)
        #expect(summary.unreadableFiles == 1)
        #expect(summary.stored == 1)
    }

    @Test("a missing path is a clear error")
    func missingPath() {
        #expect(throws: InputFiles.Problem.self) { try InputFiles.expand(["/no/such/dir"]) }
    }

    @Test("small batches give the same result as large ones")
    func batching() throws {
        let samples = repositoryRoot.appendingPathComponent("sample-logs").path
        let small = TemporaryDirectory()
        let (smallSummary, smallReader) = try backfill([samples], into: small, options: BackfillOptions(batchEvents: 7, queueDepth: 1))
        let large = TemporaryDirectory()
        let (largeSummary, largeReader) = try backfill([samples], into: large)
        #expect(smallSummary.stored == largeSummary.stored)
        #expect(try smallReader.events(matching: EventFilter()) == (try largeReader.events(matching: EventFilter())))
    }
}

@Suite("Dedup keys")
struct DedupKeyTests {
    @Test("two events at the same time whose keys share the hashed prefix are both stored; again, both are duplicates")
    func collidingKeyHashes() throws {
        func record(_ id: String) -> String {
            #"{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u","accountId":"111122223333"},"eventTime":"2026-11-20T09:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1","eventID":"\#(id)","recipientAccountId":"111122223333"}"#
        }
        let directory = TemporaryDirectory()
        let file = try directory.write("same.jsonl", [
            record("00000000-0000-4000-8000-000000000001"), record("00000000-0000-4000-8000-000000000002"),
            record("00000000-0000-4000-8000-000000000001"),
        ].joined(separator: "\n"))
        let (summary, reader) = try backfill([file], into: directory)
        #expect(summary.stored == 2)
        #expect(summary.duplicates == 1)
        #expect(Set(try reader.events(matching: EventFilter()).map(\.key)).count == 2)
        let again = try Backfill(store: try EventStore(path: directory.path("k.db"))).run(files: [file])
        #expect(again.stored == 0)
        #expect(again.duplicates == 3)
    }
}

@Suite("Input order")
struct InputOrderTests {
    @Test("files are read in the order of the time their paths name, so regions and vaults interleave as they would live")
    func timeOrder() {
        let east = "AWSLogs/1/CloudTrail/us-east-1/2026/11/20/1_CloudTrail_us-east-1_20261120T0920Z_b.json.gz"
        let eastEarly = "AWSLogs/1/CloudTrail/us-east-1/2026/11/20/1_CloudTrail_us-east-1_20261120T0905Z_a.json.gz"
        let west = "AWSLogs/1/CloudTrail/us-west-2/2026/11/20/1_CloudTrail_us-west-2_20261120T0910Z_c.json.gz"
        let vault = "resourceId=/SUBSCRIPTIONS/S/VAULTS/KV/y=2026/m=11/d=20/h=09/m=00/PT1H.json"
        let readme = "README.md"
        #expect(InputFiles.pathTime(west) == 2026_11_20_0910)
        #expect(InputFiles.pathTime(vault) == 2026_11_20_0900)
        #expect(InputFiles.pathTime(readme) == nil)
        #expect(InputFiles.pathTime("x/y=20/PT1H.json") == nil)
        #expect(InputFiles.inTimeOrder([east, west, vault, readme, eastEarly]) == [vault, eastEarly, west, east, readme])
    }
}
