import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchStore

/// `account`, the log pipeline of an event, in a column of its own.
@Suite("Account column")
struct AccountColumnTests {
    @Test("account is stored and read back: by queries, the events view and the batches detection replays")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let store = try EventStore(path: path)
        let input = batch(keyVaultRecord(time: "2026-11-20T09:00:00.0000000Z") + "\n" + keyVaultRecord(time: "2026-11-20T09:00:01.0000000Z"))
        try #require(input.rows.count == 2)
        try store.write(PreparedBatch(batch: input, compressor: RawBlockCompressor()))

        let subscription = "s"  // the fixture's /SUBSCRIPTIONS/S/, lower case
        let events = try EventReader(path: path).events(matching: EventFilter())
        #expect(events.map(\.account) == [subscription, subscription])
        #expect(events == input.events)
        let view = try ReadOnlySQL(path: path).run("SELECT account FROM events").rows
        #expect(view == [[.text(subscription)], [.text(subscription)]])
        var replayed: [Event] = []
        try StoredBatches(connection: store.connection).forEach(afterBlock: 0, withRaw: false) { batch, _ in
            replayed.append(contentsOf: batch.events)
        }
        #expect(replayed.map(\.account) == [subscription, subscription])
    }

    @Test("a store of version 9 gets account when opened: AWS events their tenant, Key Vault events the subscription their exported file's path names")
    func migration() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let old = try storeOfSchema(9, at: path)
        try old.execute("""
            INSERT INTO strings(id, value) VALUES (1, 'Decrypt'), (2, '111122223333'), (3, '72f988bf-86f1-41af-91ab-2d7cd011db47');
            INSERT INTO inputs(id, name) VALUES
                (1, 'file:logs/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/x.json.gz'),
                (2, 'file:logs/insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-A/y=2026/m=11/d=20/h=09/m=00/PT1H.json'),
                (3, 'http:4f1c'),
                (4, 'file:logs/kv-export.json');
            """)
        let rows: [(EventSource, Int64?, Int64)] = [
            (.awsKMS, 2, 1),
            (.awsSTS, 2, 1),
            (.awsKMS, nil, 1),               // a partial record that named no account
            (.azureKeyVault, 3, 2),          // the tenant of its caller; its file names the subscription
            (.azureKeyVault, 3, 3),          // pushed: only its record says
            (.azureKeyVault, 3, 4),          // a file named otherwise
        ]
        for (time, (source, tenant, input)) in rows.enumerated() {
            try old.execute("""
                INSERT INTO event_rows(time, key_hash, key, source, operation, class, outcome, resource_type, tenant,
                                       input_id, raw_block, raw_offset, raw_length)
                VALUES (\(time), \(time), 'k\(time)', \(source.code), 1, 0, 0, 0, \(tenant.map(String.init) ?? "NULL"), \(input), 0, 0, 0)
                """)
        }

        _ = try EventStore(path: path)
        let stored = try ReadOnlySQL(path: path).run("SELECT source, account FROM events ORDER BY time_us").rows
        #expect(stored == [
            [.text("aws.kms"), .text("111122223333")],
            [.text("aws.sts"), .text("111122223333")],
            [.text("aws.kms"), .null],
            [.text("azure.keyvault"), .text("6f2a9c1b-3d4e-4f50-8a61-7b8c9d0e1f2a")],
            [.text("azure.keyvault"), .null],
            [.text("azure.keyvault"), .null],
        ])
        #expect(try SQLiteConnection(path: path).scalar("PRAGMA user_version") == Int64(EventStore.schemaVersion))
        // What the migration wrote is what the store reads and detection replays.
        let events = try EventReader(path: path).events(matching: EventFilter())
        #expect(events.map(\.account) == ["111122223333", "111122223333", nil, "6f2a9c1b-3d4e-4f50-8a61-7b8c9d0e1f2a", nil, nil])
    }

    @Test("a store of version 12 loses the subscriptions Key Vault rows without a tenant claim held as their tenant; claimed tenants and AWS accounts stay")
    func keyVaultTenants() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let old = try storeOfSchema(12, at: path)
        try old.execute("""
            INSERT INTO strings(id, value) VALUES (1, 'Decrypt'), (2, '111122223333'), (3, '72f988bf-86f1-41af-91ab-2d7cd011db47'),
                                                  (4, '6f2a9c1b-3d4e-4f50-8a61-7b8c9d0e1f2a');
            INSERT INTO inputs(id, name) VALUES (1, 'file:x');
            """)
        let rows: [(EventSource, tenant: Int64, account: Int64)] = [
            (.awsKMS, 2, 2),                 // an AWS event's tenant is its account: kept
            (.azureKeyVault, 3, 4),          // a caller's tenant claim: kept
            (.azureKeyVault, 4, 4),          // no claim: the subscription stood in, and goes
        ]
        for (time, (source, tenant, account)) in rows.enumerated() {
            try old.execute("""
                INSERT INTO event_rows(time, key_hash, key, source, operation, class, outcome, resource_type, tenant, account,
                                       input_id, raw_block, raw_offset, raw_length)
                VALUES (\(time), \(time), 'k\(time)', \(source.code), 1, 0, 0, 0, \(tenant), \(account), 1, 0, 0, 0)
                """)
        }
        _ = try EventStore(path: path)
        let stored = try ReadOnlySQL(path: path).run("SELECT tenant, account FROM events ORDER BY time_us").rows
        #expect(stored == [
            [.text("111122223333"), .text("111122223333")],
            [.text("72f988bf-86f1-41af-91ab-2d7cd011db47"), .text("6f2a9c1b-3d4e-4f50-8a61-7b8c9d0e1f2a")],
            [.null, .text("6f2a9c1b-3d4e-4f50-8a61-7b8c9d0e1f2a")],
        ])
    }
}
