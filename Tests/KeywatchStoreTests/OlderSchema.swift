@testable import KeywatchStore

/// A store at `path` as a keywatch of schema `version` left it: only the first `version` migrations applied.
func storeOfSchema(_ version: Int, at path: String) throws -> SQLiteConnection {
    let connection = try SQLiteConnection(path: path)
    for (index, migration) in Schema.migrations.prefix(version).enumerated() {
        try connection.execute(migration)
        try connection.execute("PRAGMA user_version = \(index + 1)")
    }
    return connection
}
