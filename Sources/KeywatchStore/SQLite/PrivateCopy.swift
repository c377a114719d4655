import CSQLite

extension SQLiteConnection {
    /// A private copy of the database at `path`, for reading at leisure: SQLite's backup API
    /// copies every page in one step into a temporary database, so the source's snapshot is
    /// held only while the pages are copied — a writer beside it can restart its log as soon as
    /// the copy is made. The copy is a file in SQLite's temporary directory (`SQLITE_TMPDIR`,
    /// `TMPDIR`, else `/var/tmp`), as big as the store, unlinked when opened: it is gone when
    /// the connection closes, or the process ends in any way.
    public static func privateCopy(of path: String, busyTimeoutMilliseconds: Int32 = 10_000) throws(SQLiteError) -> SQLiteConnection {
        let source = try SQLiteConnection(path: path, readOnly: true)
        source.setBusyTimeout(milliseconds: busyTimeoutMilliseconds)
        // An empty name opens a private, temporary on-disk database.
        let copy = try SQLiteConnection(path: "")
        guard let backup = sqlite3_backup_init(copy.handle, "main", source.handle, "main") else {
            throw SQLiteError(code: sqlite3_extended_errcode(copy.handle), connection: copy.handle, file: path)
        }
        var code = SQLITE_BUSY
        // A step meets SQLITE_BUSY while a writer holds a lock the copy must wait for; the
        // busy timeout of the source does not apply to backups.
        let deadline = ContinuousClock.now + .milliseconds(Int(busyTimeoutMilliseconds))
        while true {
            code = sqlite3_backup_step(backup, -1)
            guard code == SQLITE_BUSY || code == SQLITE_LOCKED, ContinuousClock.now < deadline else { break }
            sqlite3_sleep(10)
        }
        sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE else {
            // The store's error (damaged, unreadable) or the copy's (a full temporary directory).
            throw SQLiteError(code: code, message: String(cString: sqlite3_errstr(code)), file: source.fileName ?? path,
                              systemErrorNumber: sqlite3_system_errno(copy.handle))
        }
        return copy
    }
}
