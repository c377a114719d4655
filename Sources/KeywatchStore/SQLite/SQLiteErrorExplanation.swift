import CSQLite
import Foundation

extension SQLiteError {
    /// The error in the user's terms — which file, what is wrong with it, what to do — for the
    /// failures a user can act on: a full disk, a directory or file that cannot be written, a
    /// damaged file. SQLite's own words follow in parentheses; other errors are described as
    /// SQLite describes them.
    public var explanation: String {
        guard let file = file.map(Self.absolutePath) else { return description }
        let sqlite = "SQLite: \(message)"
        switch primaryCode {
        case SQLITE_FULL:
            return Self.diskFull(file, sqlite)
        case SQLITE_IOERR where systemErrorNumber == ENOSPC:
            return Self.diskFull(file, sqlite)
        case SQLITE_CORRUPT:
            return "\(file) is damaged (\(sqlite)). " + Self.damageAdvice(file)
        case SQLITE_NOTADB:
            return "\(file) is not a SQLite database, or its first page is damaged (\(sqlite)). "
                + "If it is not the store, point `db` (or `--db`) at the store; if it is, it is damaged. " + Self.damageAdvice(file)
        case SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_IOERR, SQLITE_PERM:
            if let problem = StoreFileAccess.problem(writing: file) { return "\(problem) (\(sqlite))" }
            return description
        default:
            return description
        }
    }

    private static func diskFull(_ file: String, _ sqlite: String) -> String {
        "the disk is full: SQLite could not write \(file) or its write-ahead log (\(sqlite)). Free space on the file system "
            + "of \((file as NSString).deletingLastPathComponent) — or, for a query, of the temporary directory "
            + "($SQLITE_TMPDIR, $TMPDIR or /var/tmp) — then try again; what was committed before is intact."
    }

    /// What to do about a damaged store: with `indexesOnly`, the tables are whole and only an
    /// index disagrees with its table, which rebuilding the indexes mends.
    static func damageAdvice(_ file: String, indexesOnly: Bool = false) -> String {
        if indexesOnly {
            return "The tables are whole: stop keywatch, keep a copy of the file, and rebuild the indexes with "
                + "sqlite3 \(file) REINDEX."
        }
        return "Stop keywatch and keep a copy of the file (and of its -wal file, if any). Then either move it away — "
            + "keywatch starts a new store and reads its tailed logs again (pushed events are not in them) — or "
            + "recover what can be read into a new store (https://sqlite.org/recovery.html) and point `db` at that."
    }

    private static func absolutePath(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
