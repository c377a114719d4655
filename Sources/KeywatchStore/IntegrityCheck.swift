import CSQLite

/// SQLite's own check of a store, run before the daemon starts so that a damaged file is
/// reported then — which file, and what to do — rather than by a failed commit hours later,
/// or never, for a page no commit touches.
public enum IntegrityCheck: String, Sendable {
    /// `PRAGMA quick_check`: every page of every table and index is read and its structure
    /// checked; time in proportion to the file.
    case quick = "quick_check"
    /// `PRAGMA integrity_check`: the quick check, and every index against its table (slower:
    /// each row is looked up in each of its indexes).
    case full = "integrity_check"

    /// Problems reported at most: the first ones say what is wrong; thousands more would not.
    static let reportedProblems = 20

    /// Checks the store at `path` on a read-only connection of its own.
    /// - Throws: ``StoreError/damaged(file:problems:)`` with what the check found, or the
    ///   SQLite error that stopped it (a file too damaged to check is also reported as damaged).
    public func run(path: String) throws(StoreError) {
        let problems: [String]
        let file: String
        do {
            let connection = try SQLiteConnection(path: path, readOnly: true)
            connection.setBusyTimeout(milliseconds: 10_000)
            file = connection.fileName ?? path
            let statement = try connection.prepare("PRAGMA \(rawValue)(\(Self.reportedProblems))")
            var found: [String] = []
            while try statement.step() { found.append(statement.text(0) ?? "") }
            problems = found == ["ok"] ? [] : found
        } catch {
            throw .sqlite(error)
        }
        if !problems.isEmpty { throw .damaged(file: file, problems: problems) }
    }
}
