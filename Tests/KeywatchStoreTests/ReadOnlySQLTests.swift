import Foundation
import Testing
import KeywatchCore
@testable import KeywatchStore

@Suite("Read-only SQL")
struct ReadOnlySQLTests {
    @Test("reads work: the events view, joins, CTEs, schema pragmas")
    func reads() throws {
        let store = try SampleStore()
        let sql = try ReadOnlySQL(path: store.path)
        let counts = try sql.run("SELECT outcome, count(*) FROM events GROUP BY outcome ORDER BY outcome")
        #expect(counts.columns == ["outcome", "count(*)"])
        #expect(counts.rows.contains { $0[0] == .text("challenge") && $0[1] == .integer(3) })
        let view = try sql.run("SELECT key, source, time, operation, principal, resource, origin FROM events WHERE outcome = 'denied' LIMIT 1")
        #expect(view.rows.count == 1)
        if case .text(let time) = view.rows[0][2] { #expect(time.hasSuffix("Z") && time.count == 27) } else { Issue.record("time is text") }
        #expect(try sql.run("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) SELECT sum(x) FROM n").rows == [[.integer(6)]])
        #expect(try sql.run("PRAGMA table_info(event_rows)").rows.count > 20)
        #expect(try sql.run("SELECT 1; -- a trailing comment").rows == [[.integer(1)]])
    }

    @Test("table-valued functions read: pragma functions of the schema pragmas, json_each, dbstat")
    func tableValuedFunctions() throws {
        let store = try SampleStore()
        let sql = try ReadOnlySQL(path: store.path)
        #expect(try sql.run("SELECT name FROM pragma_table_info('event_rows') WHERE name = 'principal'").rows == [[.text("principal")]])
        #expect(try sql.run("SELECT sum(value) FROM json_each('[1,2,3]')").rows == [[.integer(6)]])
        #expect(try sql.run("SELECT count(*) > 0 FROM dbstat").rows == [[.integer(1)]])
    }

    @Test("a pragma function that is not a schema pragma is refused, saying which pragma", arguments: [
        ("SELECT * FROM pragma_user_version", "PRAGMA user_version"),
        ("SELECT * FROM pragma_writable_schema", "PRAGMA writable_schema"),
        ("SELECT * FROM pragma_journal_mode", "PRAGMA journal_mode"),
        ("SELECT * FROM pragma_integrity_check", "PRAGMA integrity_check"),
    ])
    func pragmaFunctions(_ statement: String, _ message: String) throws {
        let store = try SampleStore()
        do {
            _ = try ReadOnlySQL(path: store.path).run(statement)
            Issue.record("\(statement) was allowed")
        } catch {
            #expect("\(error)".contains(message) && "\(error)".contains("not allowed in --sql"), "\(statement): \(error)")
            #expect(!"\(error)".contains("sqlite_master"), "\(error)")
        }
    }

    @Test("a value longer than the limit is refused at once, not made: randomblob(1e9)")
    func longestValue() throws {
        let store = try SampleStore()
        do {
            _ = try ReadOnlySQL(path: store.path).run("SELECT length(randomblob(1e9))")
            Issue.record("a gigabyte was made")
        } catch {
            #expect("\(error)".contains("longer than 256 MiB"), "\(error)")
        }
    }

    @Test("a statement past its timeout is stopped, saying so")
    func timeout() throws {
        let store = try SampleStore()
        let limits = ReadOnlySQL.Limits(timeout: .milliseconds(200))
        let sql = try ReadOnlySQL(path: store.path, limits: limits)
        do {
            _ = try sql.run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
            Issue.record("an endless statement ended")
        } catch {
            #expect("\(error)".contains("ran longer than 0.2 s and was stopped (--timeout)"), "\(error)")
        }
        // The connection is usable again, with a fresh clock.
        #expect(try sql.run("SELECT count(*) > 0 FROM events").rows == [[.integer(1)]])
    }

    @Test("anything but reading is refused with a clear message", arguments: [
        ("DELETE FROM event_rows", "only reads the store"),
        ("UPDATE strings SET value = 'x'", "only reads the store"),
        ("INSERT INTO inputs(name) VALUES ('x')", "only reads the store"),
        ("DROP TABLE rejects", "only reads the store"),
        ("CREATE TABLE t(x)", "only reads the store"),
        ("CREATE TEMP TABLE t(x)", "only reads the store"),
        ("ALTER TABLE rejects ADD COLUMN y", "only reads the store"),
        ("PRAGMA user_version = 5", "PRAGMA user_version is not allowed"),
        ("PRAGMA journal_mode = DELETE", "PRAGMA journal_mode is not allowed"),
        ("SELECT load_extension('/tmp/evil.so')", "load_extension() is not allowed"),
        ("BEGIN", "only reads the store"),
        ("SELECT 1; DELETE FROM event_rows", "one statement at a time"),
        ("REINDEX", "only reads the store"),
        ("ANALYZE", "only reads the store"),
    ])
    func refusals(_ statement: String, _ message: String) throws {
        let store = try SampleStore()
        let before = try ReadOnlySQL(path: store.path).run("SELECT count(*) FROM event_rows").rows
        do {
            _ = try ReadOnlySQL(path: store.path).run(statement)
            Issue.record("\(statement) was allowed")
        } catch {
            #expect("\(error)".contains(message), "\(statement): \(error)")
        }
        #expect(try ReadOnlySQL(path: store.path).run("SELECT count(*) FROM event_rows").rows == before)
    }

    @Test("ATTACH and VACUUM INTO are refused and create no file")
    func noFilesCreated() throws {
        let store = try SampleStore()
        for (statement, file) in [("ATTACH '%@' AS other", "attached.db"), ("VACUUM INTO '%@'", "copy.db")] {
            let target = store.directory.path(file)
            do {
                _ = try ReadOnlySQL(path: store.path).run(statement.replacingOccurrences(of: "%@", with: target))
                Issue.record("\(statement) was allowed")
            } catch {
                #expect("\(error)".contains("ATTACH, DETACH and VACUUM INTO are not allowed") || "\(error)".contains("only reads"), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: target), "\(file) must not exist")
        }
    }
}
