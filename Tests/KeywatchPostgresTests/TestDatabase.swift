import KeywatchTestSupport
import Logging
import KeywatchPostgres
import PostgresNIO

/// Calls `body` with a connection to a new, empty database of the run's test server
/// (``PostgresServer/shared``), closed afterwards: each test sees only what it wrote.
func withTestDatabase<T>(_ body: (PostgresConnection, _ name: String) async throws -> T) async throws -> T {
    let server = try PostgresServer.shared.get()
    let name = try server.createDatabase()
    let connection = try await connect(to: name, on: server)
    do {
        let result = try await body(connection, name)
        try await connection.close()
        return result
    } catch {
        try? await connection.close()
        throw error
    }
}

/// A new connection to `database` of the test server.
func connect(to database: String, on server: PostgresServer) async throws -> PostgresConnection {
    let configuration = PostgresConnection.Configuration(
        host: "127.0.0.1", port: server.port, username: server.user, password: nil, database: database, tls: .disable)
    return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: testLogger)
}

/// Says only what went wrong: a migration's progress is not a test's output.
let testLogger: Logger = {
    var logger = Logger(label: "keywatch-postgres-tests")
    logger.logLevel = .warning
    return logger
}()

/// The single value of a query's single row.
func scalar<T: PostgresDecodable>(_ query: PostgresQuery, _: T.Type, on connection: PostgresConnection) async throws -> T {
    let rows = try await connection.query(query, logger: testLogger).collect()
    guard let row = rows.first else { throw TestQueryError(description: "no row from \(query.sql)") }
    return try row.decode(T.self)
}

struct TestQueryError: Error, CustomStringConvertible {
    var description: String
}

/// ``withTestDatabase(_:)`` with the schema applied and a writer on the connection.
func withTestStore<T>(_ body: (PostgresConnection, PostgresEventWriter) async throws -> T) async throws -> T {
    try await withTestDatabase { connection, _ in
        try await PostgresMigrator(connection: connection, logger: testLogger).migrate()
        return try await body(connection, PostgresEventWriter(connection: connection, logger: testLogger))
    }
}
