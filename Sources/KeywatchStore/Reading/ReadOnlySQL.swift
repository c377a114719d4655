import CSQLite
import KeywatchCore

/// Runs investigators' SQL against the store — and only reads.
///
/// Three locks, because one is not enough: the connection is opened read-only with
/// `PRAGMA query_only`; the statement must be one SQLite itself calls read-only; and an
/// authorizer allows nothing but reading tables, calling functions (not `load_extension`),
/// recursive CTEs and a few introspection pragmas. (Measured here: on a read-only connection,
/// `VACUUM INTO` still creates its output file unless the authorizer refuses the attach it makes.)
///
/// And bounds, because a read can hurt too: a statement is stopped past its time, past a
/// longest value, and — beside a writer — when the write-ahead log it keeps the writer from
/// restarting has grown too far (``Limits``). With `copy`, the statement reads a private copy
/// of the store instead, and holds nothing of the writer's however long it runs.
public final class ReadOnlySQL {
    /// A result: column names and rows.
    public struct Result: Sendable {
        public var columns: [String]
        public var rows: [[SQLiteValue]]
    }

    private let path: String
    private let copy: Bool
    /// The store itself; statements are checked here, and run here unless `copy`.
    private let store: SQLiteConnection
    /// The private copy, made for the first statement that passes the checks.
    private var privateCopy: SQLiteConnection?
    private let guardian = Guardian()
    private let budget: Budget

    /// Pragmas that only describe the schema.
    static let allowedPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    ]

    /// Opens the store at `path` for reading, each statement bounded by `limits`; with `copy`,
    /// statements run on a private copy of the store (see ``SQLiteConnection/privateCopy(of:busyTimeoutMilliseconds:)``).
    public init(path: String, limits: Limits = Limits(), copy: Bool = false) throws(StoreError) {
        self.path = path
        self.copy = copy
        do {
            store = try SQLiteConnection(path: path, readOnly: true)
            store.setBusyTimeout(milliseconds: 10_000)
        } catch {
            throw .sqlite(error)
        }
        budget = Budget(limits: limits, log: copy ? nil : (store.fileName ?? path) + "-wal")
        try lock(store)
    }

    /// Read-only, authorized, bounded: the three locks and the budget on `connection`.
    private func lock(_ connection: SQLiteConnection) throws(StoreError) {
        do {
            try connection.execute("PRAGMA query_only = 1")
        } catch {
            throw .sqlite(error)
        }
        sqlite3_limit(connection.handle, SQLITE_LIMIT_LENGTH, budget.limits.maximumValueBytes)
        let guardian = Unmanaged.passUnretained(self.guardian).toOpaque()
        sqlite3_set_authorizer(connection.handle, { context, action, first, second, _, _ in
            guard let context else { return SQLITE_DENY }
            let guardian = Unmanaged<Guardian>.fromOpaque(context).takeUnretainedValue()
            return guardian.authorize(action, first.map { String(cString: $0) }, second.map { String(cString: $0) })
        }, guardian)
        let budget = Unmanaged.passUnretained(self.budget).toOpaque()
        sqlite3_progress_handler(connection.handle, Budget.stepsBetweenChecks, { context in
            guard let context else { return 1 }
            return Unmanaged<Budget>.fromOpaque(context).takeUnretainedValue().mustStop() ? 1 : 0
        }, budget)
    }

    /// Runs one statement, handing each row to `body` (after `header` with the column names).
    public func run(
        _ sql: String, header: ([String]) throws -> Void = { _ in }, _ body: ([SQLiteValue]) throws -> Void
    ) throws {
        // A fresh budget already: SQLite may call the progress handler while preparing.
        budget.start()
        var statement = try prepare(sql, on: store)
        if copy {
            if privateCopy == nil {
                do {
                    let connection = try SQLiteConnection.privateCopy(of: path)
                    try lock(connection)
                    privateCopy = connection
                } catch {
                    throw StoreError(error)
                }
            }
            if let privateCopy { statement = try prepare(sql, on: privateCopy) }
        }
        let columns = (0..<statement.columnCount).map { statement.columnName($0) }
        try header(columns)
        budget.start()
        while true {
            let more: Bool
            do {
                more = try statement.step()
            } catch {
                throw stopped(error)
            }
            guard more else { break }
            try body((0..<statement.columnCount).map { statement.value($0) })
            // Between rows too: a reader of the output that is slow (a pager, a full pipe) holds
            // the snapshot as surely as a long step does.
            if budget.mustStop(), let why = budget.stopped { throw StoreError.queryStopped(why) }
        }
    }

    /// Runs one statement and collects its rows.
    public func run(_ sql: String) throws -> Result {
        var result = Result(columns: [], rows: [])
        try run(sql, header: { result.columns = $0 }) { result.rows.append($0) }
        return result
    }

    /// `sql` prepared on `connection`, once the guardian and SQLite agree that it only reads.
    private func prepare(_ sql: String, on connection: SQLiteConnection) throws -> Statement {
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
        return statement
    }

    /// The error a failed step ends the statement with: why it was refused or stopped, in words.
    private func stopped(_ error: SQLiteError) -> StoreError {
        if let refusal = guardian.refusal { return .notReadOnly(refusal) }
        switch error.primaryCode {
        case SQLITE_INTERRUPT:
            if let why = budget.stopped { return .queryStopped(why) }
        case SQLITE_TOOBIG:
            return .queryStopped("the statement made or read a value longer than \(budget.limits.maximumValueBytes >> 20) MiB "
                + "and was stopped (SQLite: \(error.message))")
        case SQLITE_NOMEM:
            if let limit = SQLiteLibrary.heapLimit {
                return .queryStopped("the statement needed more than \(limit >> 20) MiB of memory and was stopped (--max-memory)")
            }
        default:
            break
        }
        return .sqlite(error)
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
