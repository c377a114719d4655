import Logging
import PostgresNIO

/// Brings a database to ``PostgresSchema``'s newest version: each missing migration in a
/// transaction of its own that also records its version in `schema_migrations`, so a failure
/// leaves the database at the last version that applied whole.
///
/// Several instances may start at once against one database: each migration's transaction first
/// takes an advisory lock held to its commit, then reads the version again, so every migration runs
/// once and the others wait instead of failing on a table that already exists.
///
/// ```swift
/// let applied = try await PostgresMigrator(connection: connection, logger: logger).migrate()
/// ```
public struct PostgresMigrator: Sendable {
    public let connection: PostgresConnection
    public let logger: Logger
    /// The migrations to apply (``PostgresSchema/migrations`` but in tests of the migrator).
    public let migrations: [PostgresMigration]

    /// The advisory lock all of keywatch's schema changes take (a constant shared by every
    /// instance): "kw" and "schema" in ASCII.
    static let schemaLock: Int64 = 0x6B77_7363_6865_6D61

    public init(connection: PostgresConnection, logger: Logger, migrations: [PostgresMigration] = PostgresSchema.migrations) {
        self.connection = connection
        self.logger = logger
        self.migrations = migrations
    }

    /// Applies what is missing; returns the versions it applied (none when up to date).
    @discardableResult
    public func migrate() async throws(PostgresStoreError) -> [Int] {
        var applied: [Int] = []
        while true {
            let next: Int? = try await transaction("applying schema migrations") { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.schemaLock))", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY,
                        applied timestamptz NOT NULL DEFAULT now()
                    )
                    """, logger: logger)
                let current = try await Self.version(on: connection, logger: logger)
                guard current <= migrations.count else {
                    throw PostgresStoreError.newerSchema(found: current, supported: migrations.count)
                }
                guard current < migrations.count else { return nil }
                let version = current + 1
                let migration = migrations[current]
                logger.info("applying schema migration", metadata: ["version": "\(version)", "change": "\(migration.summary)"])
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (version) VALUES (\(version))", logger: logger)
                return version
            }
            guard let next else { return applied }
            applied.append(next)
        }
    }

    /// The version the database is at: 0 when empty.
    public func version() async throws(PostgresStoreError) -> Int {
        do {
            let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
                .collect().first?.decode(Bool.self) ?? false
            return exists ? try await Self.version(on: connection, logger: logger) : 0
        } catch {
            throw PostgresStoreError(error, doing: "reading the schema version")
        }
    }

    private static func version(on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger).collect()
        return Int(try rows.first?.decode(Int32.self) ?? 0)
    }

    private func transaction<T: Sendable>(
        _ what: String, _ body: (PostgresConnection) async throws -> T
    ) async throws(PostgresStoreError) -> T {
        do {
            return try await PostgresTransaction.run(on: connection, logger: logger, body)
        } catch {
            throw PostgresStoreError(error, doing: what)
        }
    }
}
