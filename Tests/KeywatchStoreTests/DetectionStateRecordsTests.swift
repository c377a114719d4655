import Foundation
import KeywatchCore
import KeywatchTestSupport
import Testing
@testable import KeywatchStore

@Suite("Detection state records")
struct DetectionStateRecordsTests {
    private func stateWithGroups() throws -> DetectionState {
        let rules = try RuleFile.parse("""
            rules:
              - id: reads-per-secret
                type: threshold
                where: {outcome: success}
                group_by: [object_name]
                window: 1h
                threshold: 1000000
            """, file: "t.yaml")
        let engine = DetectionEngine(rules: rules)
        _ = engine.process(batch(SyntheticLogs.keyVaultLines(0..<50)))
        return engine.state
    }

    @Test("saved state reads back as it was; saving again replaces it; a store of the single-blob layout still reads")
    func savesAndLoads() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        #expect(try store.detectionState() == nil)
        let state = try stateWithGroups()
        #expect(state.liveGroups == 7)
        for block: Int64 in [3, 4] {
            try store.transaction { () throws(StoreError) in
                try store.saveDetectionState(state, block: block, at: Timestamp(microseconds: 1))
            }
        }
        let saved = try #require(try store.detectionState())
        #expect(saved.block == 4)
        // The same groups (in whatever order a dictionary lists them).
        #expect(saved.state?.liveGroups == 7)
        #expect(saved.state?.encoded().sorted() == state.encoded().sorted())
        #expect(try store.connection.scalar("SELECT count(*) FROM detection_state_chunks") == 1)

        // Written before chunks: the whole state in detection_state.state.
        try store.connection.execute("DELETE FROM detection_state_chunks")
        let update = try store.connection.prepare("UPDATE detection_state SET state = ?1")
        state.encoded().withUnsafeBytes { update.bind(blob: $0, at: 1) }
        _ = try update.step()
        #expect(try store.detectionState()?.state?.liveGroups == 7)

        // Damaged state is no error: detection starts afresh.
        try store.connection.execute("UPDATE detection_state SET state = x'02FFFF'")
        let damaged = try #require(try store.detectionState())
        #expect(damaged.state == nil && damaged.block == 4)
    }
}
