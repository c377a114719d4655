import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchStore

/// Decodes the given text as one input into a batch.
func batch(_ text: String, input: String = "file:test") -> EventBatch {
    var batch = EventBatch()
    Array(text.utf8).withUnsafeBytes { RecordDecoder().decodeDocument($0, origin: Origin(input: input, offset: 0), into: &batch) }
    return batch
}

/// The Key Vault sample blob of the payments vault (JSON Lines).
func paymentsVaultBlob() throws -> String {
    let path = "sample-logs/keyvault/resourceId=/SUBSCRIPTIONS/6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A/RESOURCEGROUPS/RG-PAYMENTS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAYMENTS-PROD/y=2026/m=11/d=20/h=09/m=00/PT1H.json"
    return try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
}

@Suite("Store")
struct StoreTests {
    @Test("events written are read back as they were, with their original records byte for byte")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        let input = batch(try paymentsVaultBlob())
        #expect(input.rows.count > 50)
        let result = try store.write(PreparedBatch(batch: input, compressor: RawBlockCompressor()))
        #expect(result.counts == WriteResult(stored: input.rows.count, duplicates: 0, rejected: 0))
        #expect(result.newRows == Array(input.rows.indices))

        let reader = try EventReader(path: directory.path("k.db"))
        var stored: [Event] = []
        var raws: [[UInt8]] = []
        try reader.events(matching: EventFilter(), includeRaw: true) { event, raw in
            stored.append(event)
            raws.append(raw ?? [])
        }
        let expected = input.events.sorted { ($0.time, $0.key) < ($1.time, $1.key) }
        #expect(stored.count == expected.count)
        let byKey = Dictionary(uniqueKeysWithValues: zip(input.events.map(\.key), input.rows.map { Array(input.rawBytes(of: $0)) }))
        for (event, raw) in zip(stored, raws) {
            let original = try #require(expected.first { $0.key == event.key })
            #expect(event == original)
            #expect(raw == byKey[event.key])
        }
    }

    @Test("records pushed with keys that share their hash and their time are all stored, and each is still found again as a duplicate")
    func chosenCollisions() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        // CloudTrail event ids are hashed by their first 16 digits: these 300 all hash alike.
        let records = (0..<300).map { n in
            #"{"eventVersion":"1.09","eventTime":"2026-11-20T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","#
                + #""userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/r/s"},"#
                + #""eventID":"00000000-0000-4000-8000-\#(String(format: "%012d", n))"}"#
        }.joined(separator: "\n")
        let input = batch(records)
        #expect(input.rows.count == 300 && Set(input.rows.map(\.keyHash)).count == 1)
        let first = try store.write(PreparedBatch(batch: input, compressor: RawBlockCompressor()))
        #expect(first.counts == WriteResult(stored: 300, duplicates: 0, rejected: 0))
        let again = try store.write(PreparedBatch(batch: batch(records), compressor: RawBlockCompressor()))
        #expect(again.counts == WriteResult(stored: 0, duplicates: 300, rejected: 0))
        #expect(try store.connection.scalar("SELECT count(*) FROM event_rows") == 300)
    }

    @Test("re-writing the same records stores nothing new and says which rows were new")
    func dedup() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        let first = batch(try paymentsVaultBlob())
        try store.write(PreparedBatch(batch: first, compressor: RawBlockCompressor()))
        let again = try store.write(PreparedBatch(batch: batch(try paymentsVaultBlob()), compressor: RawBlockCompressor()))
        #expect(again.counts.stored == 0)
        #expect(again.counts.duplicates == first.rows.count)
        #expect(again.newRows.isEmpty)
        // A batch with one new record among old ones, twice within itself.
        let lines = try paymentsVaultBlob().split(separator: "\n")
        let fresh = keyVaultRecord(time: "2026-11-21T00:00:00Z")
        let mixed = batch([String(lines[0]), fresh, String(lines[1]), fresh].joined(separator: "\n"))
        let result = try store.write(PreparedBatch(batch: mixed, compressor: RawBlockCompressor()))
        #expect(result.counts == WriteResult(stored: 1, duplicates: 3, rejected: 0))
        #expect(result.newRows == [1])
        #expect(try EventReader(path: directory.path("k.db")).events(matching: EventFilter()).count == first.rows.count + 1)
    }

    @Test("rejects are stored with origin, reason and a prefix of the bad bytes")
    func rejects() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        let bad = batch("{\"time\":\"2026-11-20T09:00:00Z\",\"operationName\":\"x\"\n{\"a\":1}\n", input: "file:/logs/PT1H.json")
        #expect(bad.rejects.count == 2)
        try store.write(PreparedBatch(batch: bad, compressor: RawBlockCompressor()))
        let result = try ReadOnlySQL(path: directory.path("k.db")).run(
            "SELECT i.name, r.input_offset, r.reason, r.prefix FROM rejects r JOIN inputs i ON i.id = r.input_id ORDER BY r.id")
        #expect(result.rows.count == 2)
        #expect(result.rows[0][0] == .text("file:/logs/PT1H.json"))
        #expect(result.rows[0][1] == .integer(0))
        #expect(result.rows[0][2] == .text("unexpected '{' where ',' or '}' was expected"))
        #expect(result.rows[1][1] == .integer(51))
        #expect(result.rows[1][3] == .blob(Array("{\"a\":1}".utf8)))
    }

    @Test("a store is versioned; reopening migrates nothing twice; a newer store is refused")
    func migrations() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        _ = try EventStore(path: path)
        _ = try EventStore(path: path)
        let connection = try SQLiteConnection(path: path)
        #expect(try connection.scalar("PRAGMA user_version") == Int64(EventStore.schemaVersion))
        #expect(try connection.scalar("PRAGMA journal_mode = WAL") != nil)
        try connection.execute("PRAGMA user_version = 999")
        #expect(throws: StoreError.self) { try EventStore(path: path) }
        #expect(throws: StoreError.self) { try EventReader(path: path) }
    }

    @Test("a file that is not a store is refused with a clear error")
    func notAStore() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("empty.db")
        _ = try SQLiteConnection(path: path)
        do {
            _ = try EventReader(path: path)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("is not a keywatch store"))
        }
    }
}

/// A Key Vault record at `time`.
func keyVaultRecord(time: String, operation: String = "SecretGet", status: Int = 200, principal: String = "8d116ece-1738-47d9-bd9c-172411e20b8f",
                    secret: String = "db-password", ip: String = "10.0.0.1") -> String {
    """
    {"time":"\(time)","category":"AuditEvent","operationName":"\(operation)","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-A","resultSignature":"OK","callerIpAddress":"\(ip)","identity":{"claim":{"oid":"\(principal)","appid":"a"}},"properties":{"id":"https://kv-a.vault.azure.net/secrets/\(secret)/1","httpStatusCode":\(status)}}
    """
}
