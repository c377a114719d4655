import Logging
import PostgresNIO

/// `BEGIN` … `COMMIT` around a body, `ROLLBACK` when it throws: its error comes out as it was thrown
/// (PostgresNIO's `withTransaction` wraps it), so callers tell the server's errors from their own.
enum PostgresTransaction {
    static func run<T>(
        on connection: PostgresConnection, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await connection.query("BEGIN", logger: logger)
        do {
            let value = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            // After a failed COMMIT there is no transaction left; the server only warns.
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
