import Foundation
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
import Logging
@testable import KeywatchIngest

/// A tailer and its writer over a real store and a real directory, driven pass by pass;
/// ``restart()`` drops both (as a crash after the last commit would) and starts new ones from the store.
final class TailHarness {
    let directory = TemporaryDirectory()
    let include: [PathGlob]
    let followLinks: Bool
    var options = TailOptions()
    private(set) var writer: StoreWriter!
    private(set) var tailer: DirectoryTailer!
    let metrics = DaemonMetrics()

    var logs: String { directory.path("logs") }
    var db: String { directory.path("k.db") }

    init(include: [String] = [], followLinks: Bool = false) throws {
        self.include = include.map(PathGlob.init)
        self.followLinks = followLinks
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        try start()
    }

    func start() throws {
        let store = try EventStore(path: db)
        let records = try store.tailedFiles()
        writer = try StoreWriter(store: store, identities: .empty, detection: nil, metrics: metrics,
                                 logger: Logger(label: "test"), onAlerts: { _ in }, onFailure: { _ in })
        writer.start()
        tailer = DirectoryTailer(sources: [TailSource(path: logs, include: include, followLinks: followLinks)], records: records, writer: writer,
                                 metrics: metrics, options: options, logger: Logger(label: "test"))
    }

    /// One pass, and everything it handed over committed.
    func pass() throws {
        try tailer.pass(rescan: true)
        writer.flush()
    }

    func restart() throws {
        writer.stop()
        writer = nil
        tailer = nil
        try start()
    }

    func path(_ name: String) -> String { "\(logs)/\(name)" }

    func write(_ name: String, _ text: String) throws {
        try directory.write("logs/\(name)", text)
    }

    func append(_ name: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path(name)))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func scalar(_ sql: String) throws -> Int64 {
        try SQLiteConnection(path: db, readOnly: true).scalar(sql) ?? -1
    }

    var events: Int64 { get throws { try scalar("SELECT count(*) FROM event_rows") } }
    var rejects: Int64 { get throws { try scalar("SELECT count(*) FROM rejects") } }
    /// Distinct correlation ids stored: equal to ``events`` when nothing is stored twice.
    var distinctRecords: Int64 { get throws { try scalar("SELECT count(DISTINCT request_id) FROM event_rows") } }
}
