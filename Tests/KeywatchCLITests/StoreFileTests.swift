import Foundation
import Testing
import KeywatchTestSupport

@Suite("Store files")
struct StoreFileTests {
    @Test("ingest leaves the store as one file: no -wal or -shm once it exits")
    func oneFileAfterIngest() throws {
        // The checkpointer's connection used to close after the process had exited, about every
        // other run, leaving the log and its index beside the store.
        for _ in 0..<6 {
            let directory = TemporaryDirectory()
            let db = directory.path("k.db")
            let ingest = try keywatch(["ingest", "--no-detect", "--db", db, repositoryRoot.appendingPathComponent("sample-logs").path])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["k.db"])
        }
    }
}
