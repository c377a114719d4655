import CSQLite

/// An error reported by SQLite, with the statement and the database file it came from.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The result code, extended when SQLite gave one (`SQLITE_IOERR_WRITE`, …); see ``primaryCode``.
    public var code: Int32
    public var message: String
    public var sql: String?
    /// The database file, when the error came from a connection.
    public var file: String?
    /// The operating system's `errno` behind an I/O error (`ENOSPC`, `EROFS`, …), or 0.
    public var systemErrorNumber: Int32

    public init(code: Int32, message: String, sql: String? = nil, file: String? = nil, systemErrorNumber: Int32 = 0) {
        self.code = code
        self.message = message
        self.sql = sql
        self.file = file
        self.systemErrorNumber = systemErrorNumber
    }

    /// The error of `connection`'s last call, which returned `code`.
    init(code: Int32, connection: OpaquePointer?, sql: String? = nil, message: String? = nil, file: String? = nil) {
        let text = message ?? connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
        let named = file ?? connection.flatMap { sqlite3_db_filename($0, "main") }.map { String(cString: $0) }
        self.init(code: code, message: text, sql: sql, file: named?.isEmpty == true ? nil : named,
                  systemErrorNumber: connection.map { sqlite3_system_errno($0) } ?? 0)
    }

    /// `SQLITE_FULL`, `SQLITE_CORRUPT`, … without the extended part.
    public var primaryCode: Int32 { code & 0xFF }

    public var description: String {
        var text = "SQLite error \(primaryCode): \(message)"
        if let sql { text += " (in: \(sql.prefix(200)))" }
        return text
    }
}
