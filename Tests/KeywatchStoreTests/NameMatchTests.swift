import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchStore

/// `--principal` and `--resource` also match names, through the principals and resources that
/// carry them (`event_names`), without turning an exact lookup into a scan.
@Suite("Names in principal and resource filters")
struct NameMatchTests {
    @Test("an exact principal is compared through its index alone; a name finds the principals that carry it, and their events")
    func namesAndIndexes() throws {
        let store = try SampleStore()
        let connection = try SQLiteConnection(path: store.path, readOnly: true)
        let all = try store.events { _ in }

        let oid = "2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d"
        let exact = try #require(try NameMatch.resolve([oid], kind: .principal, in: connection))
        #expect(exact.ids.count == 1)
        var filter = EventFilter()
        filter.principals = [oid]
        #expect(!EventQuery(filter, principals: exact).sql.contains("principal_name IN"), "an indexed lookup stays one")

        let upn = "analyst@contoso.example"
        let name = try #require(try NameMatch.resolve([upn], kind: .principal, in: connection))
        #expect(name.ids.count == 2, "the name, and the object id that carries it")
        let byName = try store.events { $0.principals = [upn] }
        #expect(Set(byName.map(\.key)) == Set(all.filter { $0.principal == oid }.map(\.key)))
        #expect(byName.contains { $0.principalName == upn })

        let secret = try store.events { $0.resources = ["db-password"] }
        #expect(!secret.isEmpty && secret.count == all.filter { $0.objectName == "db-password" }.count)
        let wildcard = try store.events { $0.resources = ["tenant-0*"] }
        #expect(wildcard.count == all.filter { $0.objectName?.hasPrefix("tenant-0") == true }.count && wildcard.count == 9)
        #expect(try NameMatch.resolve(["no-such-principal"], kind: .principal, in: connection)?.ids.isEmpty == true)
    }

    /// A principal is whatever a record's claims say: a hostile record may make a name some
    /// event's principal. The name must still find the events that carry it.
    @Test("a name that is also another event's principal still finds every event named so, and that one")
    func nameThatIsAlsoAPrincipal() throws {
        let store = try SampleStore()
        let upn = "analyst@contoso.example"
        let named = try store.events { $0.principals = [upn] }
        #expect(named.count == 26)

        let hostile = #"{"time":"2026-11-20T09:50:00Z","category":"AuditEvent","operationName":"SecretGet","resultSignature":"OK","identity":{"claim":{"oid":"analyst@contoso.example"}},"properties":{"httpStatusCode":200,"id":"https://kv-payments-prod.vault.azure.net/secrets/db-password"}}"#
        var batch = EventBatch()
        Array(hostile.utf8).withUnsafeBytes { RecordDecoder().decodeDocument($0, origin: Origin(input: "file:hostile", offset: 0), into: &batch) }
        #expect(batch.rows.count == 1)
        try EventStore(path: store.path).write(PreparedBatch(batch: batch, compressor: RawBlockCompressor()))

        let after = try store.events { $0.principals = [upn] }
        #expect(after.count == 27, "the 26 events named \(upn), and the one whose principal it is")
        #expect(Set(named.map(\.key)).isSubset(of: Set(after.map(\.key))))
    }

    @Test("a store of version 13 learns the names its events gave when opened, and finds them by name")
    func migration() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let old = try storeOfSchema(13, at: path)
        try old.execute("""
            INSERT INTO strings(id, value) VALUES (1, 'SecretGet'), (2, 'arn:aws:iam::111122223333:role/checkout-irsa'),
                (3, 'checkout-irsa'), (4, 'https://kv-a.vault.azure.net/secrets/db-password'), (5, 'db-password');
            INSERT INTO inputs(id, name) VALUES (1, 'file:x');
            INSERT INTO event_rows(time, key_hash, key, source, operation, class, outcome, resource_type,
                                   principal, principal_name, resource, object_name, input_id, raw_block, raw_offset, raw_length)
            VALUES (1, 1, 'k1', 0, 1, 0, 0, 0, 2, 3, 4, 5, 1, 0, 0, 0),
                   (2, 2, 'k2', 0, 1, 0, 0, 0, 2, NULL, 4, NULL, 1, 0, 0, 0);
            """)
        _ = try EventStore(path: path)
        let reader = try EventReader(path: path)
        var byName = EventFilter()
        byName.principals = ["checkout-irsa"]
        #expect(try reader.events(matching: byName).map(\.key) == ["k1", "k2"])
        var byObject = EventFilter()
        byObject.resources = ["db-password"]
        #expect(try reader.events(matching: byObject).map(\.key) == ["k1", "k2"])
    }
}
