/// Errors of the store, with messages a user can act on.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case sqlite(SQLiteError)
    case corrupt(String)
    /// The store was written by a newer keywatch.
    case newerSchema(found: Int, supported: Int)
    /// A read-only query tried to do something else.
    case notReadOnly(String)
    /// SQLite's integrity check found damage in the store `file` (its first `problems`).
    case damaged(file: String, problems: [String])
    /// A read-only query was stopped before its end: it ran out of time or memory, or held the
    /// store's log from the writer for too long. Says which, and what to do.
    case queryStopped(String)

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
        case .damaged(let file, let problems):
            let shown = problems.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            let more = problems.count > 3 ? " and \(problems.count - 3) more" : ""
            // What REINDEX mends: an index that lacks a row of its table or counts it wrong.
            let indexesOnly = problems.allSatisfy { $0.contains(" missing from index ") || $0.hasPrefix("wrong # of entries in index ") }
            return "\(file) is damaged: SQLite's integrity check found \(shown)\(more). "
                + SQLiteError.damageAdvice(file, indexesOnly: indexesOnly)
        case .queryStopped(let why): return why
        }
    }
}
