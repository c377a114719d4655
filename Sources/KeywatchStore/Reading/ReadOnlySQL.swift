import CSQLite
import KeywatchCore

/// Runs investigators' SQL against the store — and only reads.
///
/// Three locks, because one is not enough: the connection is opened read-only with
/// `PRAGMA query_only`; the statement must be one SQLite itself calls read-only; and an
/// authorizer allows nothing but reading tables, calling functions (not `load_extension`),
/// recursive CTEs and a few introspection pragmas. (Measured here: on a read-only connection,
/// `VACUUM INTO` still creates its output file unless the authorizer refuses the attach it makes.)
public final class ReadOnlySQL {
    /// A result: column names and rows.
    public struct Result: Sendable {
        public var columns: [String]
        public var rows: [[SQLiteValue]]
    }

    private let connection: SQLiteConnection
    private let guardian = Guardian()

    /// Pragmas that only describe the schema.
    static let allowedPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    ]

    public init(path: String) throws(StoreError) {
        do {
            connection = try SQLiteConnection(path: path, readOnly: true)
            connection.setBusyTimeout(milliseconds: 10_000)
            try connection.execute("PRAGMA query_only = 1")
        } catch {
            throw .sqlite(error)
        }
        let context = Unmanaged.passUnretained(guardian).toOpaque()
        sqlite3_set_authorizer(connection.handle, { context, action, first, second, _, _ in
            guard let context else { return SQLITE_DENY }
            let guardian = Unmanaged<Guardian>.fromOpaque(context).takeUnretainedValue()
            return guardian.authorize(action, first.map { String(cString: $0) }, second.map { String(cString: $0) })
        }, context)
    }

    /// Runs one statement, handing each row to `body` (after `header` with the column names).
    public func run(
        _ sql: String, header: ([String]) throws -> Void = { _ in }, _ body: ([SQLiteValue]) throws -> Void
    ) throws {
        guardian.refusal = nil
        var handle: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let code = sql.withCString { text in
            let code = sqlite3_prepare_v2(connection.handle, text, -1, &handle, &tail)
            if code == SQLITE_OK, let tail, !Self.isBlank(String(cString: tail)) {
                sqlite3_finalize(handle)
                handle = nil
                return SQLITE_MISUSE
            }
            return code
        }
        if code == SQLITE_MISUSE && guardian.refusal == nil {
            throw StoreError.notReadOnly("--sql runs one statement at a time; remove what follows the first ';'")
        }
        if let refusal = guardian.refusal {
            sqlite3_finalize(handle)
            throw StoreError.notReadOnly(refusal)
        }
        guard code == SQLITE_OK, let handle else {
            throw StoreError.sqlite(SQLiteError(code: code, connection: connection.handle, sql: sql))
        }
        let statement = Statement(handle, connection: connection, sql: sql)
        guard statement.isReadOnly else {
            throw StoreError.notReadOnly("--sql only reads the store; this statement would change it")
        }
        let columns = (0..<statement.columnCount).map { statement.columnName($0) }
        try header(columns)
        while true {
            let more: Bool
            do {
                more = try statement.step()
            } catch {
                if let refusal = guardian.refusal { throw StoreError.notReadOnly(refusal) }
                throw StoreError.sqlite(error)
            }
            guard more else { break }
            try body((0..<statement.columnCount).map { statement.value($0) })
        }
    }

    /// Runs one statement and collects its rows.
    public func run(_ sql: String) throws -> Result {
        var result = Result(columns: [], rows: [])
        try run(sql, header: { result.columns = $0 }) { result.rows.append($0) }
        return result
    }

    private static func isBlank(_ text: String) -> Bool {
        // Whitespace and comments may follow the statement.
        var rest = Substring(text)
        while true {
            rest = rest.drop(while: { $0.isWhitespace || $0 == ";" })
            if rest.hasPrefix("--") {
                rest = rest.drop(while: { $0 != "\n" })
            } else if rest.hasPrefix("/*"), let end = rest.range(of: "*/") {
                rest = rest[end.upperBound...]
            } else {
                return rest.isEmpty
            }
        }
    }
}
