import PostgresNIO

/// What went wrong with the PostgreSQL store, in words an operator can act on.
public enum PostgresStoreError: Error, CustomStringConvertible {
    /// The server refused a statement or could not be reached: its message, SQLSTATE and detail.
    case server(String)
    /// The database's schema is newer than this build knows: another instance was upgraded first.
    case newerSchema(found: Int, supported: Int)

    public var description: String {
        switch self {
        case .server(let message):
            return message
        case .newerSchema(let found, let supported):
            return "the database has schema version \(found), this keywatch knows up to \(supported): upgrade keywatch on this host too"
        }
    }

    /// Wraps an error of PostgresNIO (whose own description hides the server's message) or passes
    /// one of ours through.
    init(_ error: any Error, doing what: String) {
        if let error = error as? PostgresStoreError {
            self = error
            return
        }
        if let error = error as? PSQLError {
            if let server = error.serverInfo {
                var message = "\(what): \(server[.message] ?? "error") (SQLSTATE \(server[.sqlState] ?? "?"))"
                if let detail = server[.detail] { message += ": \(detail)" }
                self = .server(message)
            } else {
                self = .server("\(what): \(error.code)\(error.underlying.map { ": \($0)" } ?? "")")
            }
            return
        }
        if let error = error as? PostgresTransactionError {
            self.init(error.closureError ?? error.commitError ?? error.beginError ?? error.rollbackError ?? error, doing: what)
            return
        }
        self = .server("\(what): \(error)")
    }
}
