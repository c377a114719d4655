import CSQLite

/// Settings of the SQLite library for the whole process.
public enum SQLiteLibrary {
    /// Applied once, before the first connection opens: memory statistics off (they take a
    /// global mutex on every allocation, and keywatch reads none of them).
    static let configured: Void = {
        _ = keywatch_sqlite_memory_statistics(0)
    }()

    /// Caps the memory SQLite may allocate in this process at `bytes`: past it an allocation
    /// fails and the statement ends with `SQLITE_NOMEM`, instead of the process growing until the
    /// system kills it. SQLite enforces the cap only with memory statistics on, which can be
    /// turned on only before the first connection opens; returns false when called after that.
    @discardableResult
    public static func limitHeap(toBytes bytes: Int64) -> Bool {
        _ = configured
        guard keywatch_sqlite_memory_statistics(1) == SQLITE_OK else { return false }
        sqlite3_hard_heap_limit64(bytes)
        return true
    }

    /// The cap set by ``limitHeap(toBytes:)``, or nil.
    public static var heapLimit: Int64? {
        let limit = sqlite3_hard_heap_limit64(-1)
        return limit > 0 ? limit : nil
    }
}
