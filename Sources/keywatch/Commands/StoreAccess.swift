import ArgumentParser
import Foundation
import KeywatchStore

/// Opening the store for a command that only reads it, with the errors said the same way by each.
enum StoreAccess {
    /// What `body` reads from the store at `db`; a missing store or a failed read is told on
    /// stderr as `keywatch <command>: …` and ends the command with status 2.
    static func reading<T>(_ db: String, command: String, _ body: (EventReader) throws -> T) throws -> T {
        guard FileManager.default.fileExists(atPath: db) else {
            Standard.error("keywatch \(command): no store at \(db) (use --db, or run `keywatch ingest` first)")
            throw ExitCode(2)
        }
        do {
            return try body(try EventReader(path: db))
        } catch let error as ExitCode {
            throw error
        } catch {
            Standard.flush()
            Standard.error("keywatch \(command): \(error)")
            throw ExitCode(2)
        }
    }
}
