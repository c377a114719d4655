import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchStore

/// The lifecycle read of `keywatch keys` stays on the store's partial index of rare classes: it
/// looks over all stored time, so a scan of the data plane would cost a large store seconds.
@Suite("Key histories")
struct KeyHistoryTests {
    @Test("every lifecycle operation falls in a class above 2, the rare-class index's; a reclassified one would silently drop out of the inventory")
    func lifecycleOperationsAreRare() {
        for operation in KeyLifecycleOperations.keyVault.keys {
            #expect(OperationClassifier.keyVault(operation).code > 2, "\(operation)")
        }
        for operation in KeyLifecycleOperations.kms.keys {
            let serviceEvent = KeyLifecycleOperations.kmsServiceEvents.contains(operation)
            #expect(OperationClassifier.aws(operation, serviceEvent: serviceEvent).code > 2, "\(operation)")
        }
        #expect(KeyLifecycleOperations.classCodes.allSatisfy { $0 > 2 })
    }

    @Test("SQLite reads the lifecycle events through event_rows_by_rare_class, not by a scan")
    func usesTheRareClassIndex() throws {
        let store = try SampleStore()
        let connection = try SQLiteConnection(path: store.path, readOnly: true)
        let statement = try connection.prepare("EXPLAIN QUERY PLAN " + EventReader.keyHistoriesSQL(operations: [1, 2, 3]))
        var plan: [String] = []
        while try statement.step() { plan.append(statement.text(3) ?? "") }
        #expect(plan.joined().contains("USING INDEX event_rows_by_rare_class"), "\(plan)")
    }
}
