import Foundation
import Testing
import KeywatchCore
import KeywatchTestSupport
@testable import KeywatchStore

/// Damaged stores, made by overwriting bytes of a real store file, and a store that fills its
/// space: each is reported with the file, what is wrong and what to do.
@Suite("Store damage")
struct StoreDamageTests {
    /// Overwrites `count` bytes of page `page` of the store at `path`, from `offset` within it.
    static func overwrite(_ path: String, page: Int64, offset: Int64 = 0, count: Int, with byte: UInt8 = 0xA5) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64((page - 1) * 16384 + offset))
        try handle.write(contentsOf: Data(repeating: byte, count: count))
    }

    /// The first leaf page of `tree` (a table or an index), found with the dbstat table.
    static func leafPage(of tree: String, in path: String) throws -> Int64 {
        let connection = try SQLiteConnection(path: path, readOnly: true)
        return try #require(try connection.scalar("SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = 'leaf' LIMIT 1", [.text(tree)]))
    }

    @Test("a data page overwritten: the quick check names the file, says it is damaged and what to do")
    func damagedPage() throws {
        let store = try SampleStore()
        try IntegrityCheck.quick.run(path: store.path)
        try IntegrityCheck.full.run(path: store.path)
        try Self.overwrite(store.path, page: try Self.leafPage(of: "event_rows", in: store.path), count: 100)
        for check in [IntegrityCheck.quick, .full] {
            do {
                try check.run(path: store.path)
                Issue.record("\(check) found nothing")
            } catch {
                let message = "\(error)"
                #expect(message.hasPrefix("\(store.path) is damaged"), "\(message)")
                #expect(message.contains("keep a copy of the file") && message.contains("move it away"), "\(message)")
            }
        }
    }

    @Test("an index that lacks a row: only the full check finds it, and says REINDEX mends it")
    func damagedIndex() throws {
        let store = try SampleStore()
        let page = try Self.leafPage(of: "event_rows_by_principal", in: store.path)
        // The last byte of the page: inside the last index record's key, not its structure.
        try Self.overwrite(store.path, page: page, offset: 16383, count: 1, with: 0x7E)
        try IntegrityCheck.quick.run(path: store.path)
        do {
            try IntegrityCheck.full.run(path: store.path)
            Issue.record("integrity_check found nothing")
        } catch {
            #expect("\(error)".contains("missing from index event_rows_by_principal"), "\(error)")
            #expect("\(error)".contains("sqlite3 \(store.path) REINDEX"), "\(error)")
        }
    }

    @Test("not a database: the header overwritten")
    func notADatabase() throws {
        let store = try SampleStore()
        try Self.overwrite(store.path, page: 1, count: 16)
        do {
            _ = try EventStore(path: store.path)
            Issue.record("opened")
        } catch {
            #expect("\(error)".hasPrefix("\(store.path) is not a SQLite database, or its first page is damaged"), "\(error)")
        }
    }

    @Test("a full store (SQLite's page limit, a real SQLITE_FULL): the message says the disk is full, and where")
    func full() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        let pages = try #require(try store.connection.scalar("PRAGMA page_count"))
        try store.connection.execute("PRAGMA max_page_count = \(pages + 2)")
        do {
            try store.write(PreparedBatch(batch: batch(SyntheticLogs.keyVaultLines(0..<5000)), compressor: RawBlockCompressor()))
            Issue.record("5,000 events fit in two pages")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("the disk is full: SQLite could not write \(directory.path("k.db"))"), "\(message)")
            #expect(message.contains("Free space on the file system of \(directory.url.path)"), "\(message)")
            #expect(!message.contains("damaged"), "\(message)")
        }
    }
}
