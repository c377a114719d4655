import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchStore

/// `--principal` and `--resource` also match names, without turning an exact lookup into a scan.
@Suite("Names in principal and resource filters")
struct NameMatchTests {
    @Test("an exact principal or resource is compared through its index alone; a name also reads the name column, and finds its events")
    func namesAndIndexes() throws {
        let store = try SampleStore()
        let connection = try SQLiteConnection(path: store.path, readOnly: true)
        let all = try store.events { _ in }
        func resolve(_ values: [String], _ column: String) throws -> NameMatch? {
            try NameMatch.resolve(values, column: column, index: "event_rows_by_\(column)", in: connection)
        }

        let oid = "2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d"
        let exact = try #require(try resolve([oid], "principal"))
        #expect(exact.ids.count == 1 && exact.names.isEmpty)
        var filter = EventFilter()
        filter.principals = [oid]
        #expect(!EventQuery(filter, principals: exact).sql.contains("e.principal_name IN"), "an indexed lookup stays one")

        let upn = "analyst@contoso.example"
        let name = try #require(try resolve([upn], "principal"))
        #expect(name.names == name.ids && name.ids.count == 1)
        let byName = try store.events { $0.principals = [upn] }
        #expect(!byName.isEmpty && byName.count == all.filter { $0.principalName == upn }.count)
        #expect(try store.events { $0.principals = [oid] }.count == all.filter { $0.principal == oid }.count)

        let secret = try store.events { $0.resources = ["db-password"] }
        #expect(!secret.isEmpty && secret.count == all.filter { $0.objectName == "db-password" }.count)
        let wildcard = try store.events { $0.resources = ["tenant-0*"] }
        #expect(wildcard.count == all.filter { $0.objectName?.hasPrefix("tenant-0") == true }.count && wildcard.count == 9)
        #expect(try resolve(["no-such-principal"], "principal")?.ids.isEmpty == true)
    }
}
