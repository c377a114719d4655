import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchStore

/// A store holding the sample logs' Key Vault and CloudTrail events, for queries.
struct SampleStore {
    let directory = TemporaryDirectory()
    var path: String { directory.path("k.db") }

    init() throws {
        let store = try EventStore(path: path)
        var all = EventBatch()
        let decoder = RecordDecoder()
        for file in ["keyvault", "pushes"] {
            let root = repositoryRoot.appendingPathComponent("sample-logs/\(file)")
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
            for url in files where !url.hasDirectoryPath {
                let bytes = try Array(Data(contentsOf: url))
                bytes.withUnsafeBytes { decoder.decodeDocument($0, origin: Origin(input: "file:\(url.path)", offset: 0), into: &all) }
            }
        }
        try store.write(PreparedBatch(batch: all, compressor: RawBlockCompressor()))
    }

    func events(_ configure: (inout EventFilter) -> Void) throws -> [Event] {
        var filter = EventFilter()
        configure(&filter)
        return try EventReader(path: path).events(matching: filter)
    }

    /// SQLite's plan for a filter's query.
    func plan(_ configure: (inout EventFilter) -> Void) throws -> String {
        var filter = EventFilter()
        configure(&filter)
        let query = EventQuery(filter)
        let connection = try SQLiteConnection(path: path, readOnly: true)
        let statement = try connection.prepare("EXPLAIN QUERY PLAN " + query.sql)
        try statement.bind(query.arguments)
        var lines: [String] = []
        while try statement.step() { lines.append(statement.text(3) ?? "") }
        return lines.joined(separator: "\n")
    }
}

@Suite("Queries")
struct QueryTests {
    @Test("each filter selects what it names")
    func filters() throws {
        let store = try SampleStore()
        let all = try store.events { _ in }
        #expect(all.count > 60)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.time <= $1.time }, "oldest first")

        let checkout = try store.events { $0.principals = ["3c9d2e1f-0a1b-4c2d-9e3f-4a5b6c7d8e9f"] }
        #expect(!checkout.isEmpty && checkout.allSatisfy { $0.principal == "3c9d2e1f-0a1b-4c2d-9e3f-4a5b6c7d8e9f" })
        #expect(checkout.count == all.filter { $0.principal == "3c9d2e1f-0a1b-4c2d-9e3f-4a5b6c7d8e9f" }.count)

        let denied = try store.events { $0.outcomes = [.denied] }
        #expect(denied.count == all.filter { $0.outcome == .denied }.count && !denied.isEmpty)
        let challenges = try store.events { $0.outcomes = [.challenge] }
        #expect(challenges.count == 3)

        let destroy = try store.events { $0.classes = [.destroy] }
        #expect(destroy.map(\.operation).sorted() == ["KeyPurge", "SecretDelete", "SecretPurge"])

        let operation = try store.events { $0.operations = ["VaultPatch"] }
        #expect(operation.count == 1)

        let resource = try store.events { $0.resources = ["https://kv-payments-prod.vault.azure.net/secrets/db-password"] }
        #expect(!resource.isEmpty && resource.allSatisfy { $0.objectName == "db-password" })

        let glob = try store.events { $0.resources = ["https://kv-payments-prod.vault.azure.net/secrets/tenant-*"] }
        #expect(glob.count == 24)

        let source = try store.events { $0.sources = [.awsKMS] }
        #expect(source.count == 2)  // the EventBridge pushes (the CloudWatch Logs one needs gzip, not here)

        let ip = try store.events { $0.ips = ["203.0.113.9"] }
        #expect(ip.map(\.operation) == ["SecretList"])

        let window = try store.events {
            $0.since = Timestamp(parsing: "2026-11-20T09:20:00Z")
            $0.until = Timestamp(parsing: "2026-11-20T09:21:00Z")
        }
        #expect(!window.isEmpty && window.allSatisfy { $0.time.rfc3339 >= "2026-11-20T09:20:00" && $0.time.rfc3339 < "2026-11-20T09:21:00" })

        let combined = try store.events { $0.outcomes = [.denied]; $0.principals = ["3c9d2e1f-0a1b-4c2d-9e3f-4a5b6c7d8e9f"] }
        #expect(combined.count == 6)

        let nobody = try store.events { $0.principals = ["no such principal"] }
        #expect(nobody.isEmpty)
    }

    @Test("a limit keeps the most recent events, shown oldest first")
    func limit() throws {
        let store = try SampleStore()
        let all = try store.events { _ in }
        let last = try store.events { $0.limit = 5 }
        #expect(last.map(\.key) == all.suffix(5).map(\.key))
    }

    @Test("every filter is served by an index", arguments: [
        ("principal", "event_rows_by_principal"), ("resource", "event_rows_by_resource"), ("outcome", "event_rows_unsuccessful"),
        ("class", "event_rows_by_rare_class"), ("namespace", "event_rows_by_namespace"), ("since", "PRIMARY KEY"),
    ])
    func indexes(_ filter: String, _ index: String) throws {
        let store = try SampleStore()
        let plan = try store.plan { f in
            switch filter {
            case "principal": f.principals = ["x"]
            case "resource": f.resources = ["x"]
            case "outcome": f.outcomes = [.denied]
            case "class": f.classes = [.permission]
            case "namespace": f.namespaces = ["payments"]
            default: f.since = Timestamp(seconds: 0)
            }
        }
        #expect(plan.contains(index), "\(plan)")
    }
}
