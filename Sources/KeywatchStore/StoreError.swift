/// Errors of the store, with messages a user can act on.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case sqlite(SQLiteError)
    case corrupt(String)
    /// The store was written by a newer keywatch.
    case newerSchema(found: Int, supported: Int)
    /// A read-only query tried to do something else.
    case notReadOnly(String)

    /// Any error met while using the store, as a store error: SQLite's as ``sqlite(_:)``, a
    /// store error as itself, anything else as damage.
    public init(_ error: any Error) {
        switch error {
        case let error as StoreError: self = error
        case let error as SQLiteError: self = .sqlite(error)
        default: self = .corrupt("\(error)")
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let error): return error.explanation
        case .corrupt(let what): return "the store is damaged: \(what)"
        case .newerSchema(let found, let supported):
            return "the store has schema version \(found), newer than this keywatch supports (\(supported)); upgrade keywatch"
        case .notReadOnly(let what): return what
        }
    }
}
