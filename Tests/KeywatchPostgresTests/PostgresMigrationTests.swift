import KeywatchTestSupport
import PostgresNIO
import Testing
@testable import KeywatchPostgres

@Suite("PostgreSQL schema migrations")
struct PostgresMigrationTests {
    @Test("an empty database gets every migration, each version recorded once, and the partitioned events table")
    func fromEmpty() async throws {
        try await withTestDatabase { connection, _ in
            let migrator = PostgresMigrator(connection: connection, logger: testLogger)
            #expect(try await migrator.version() == 0)
            let applied = try await migrator.migrate()
            #expect(applied == Array(1...PostgresSchema.version))
            #expect(try await migrator.version() == PostgresSchema.version)
            #expect(try await scalar("SELECT count(*) FROM schema_migrations", Int64.self, on: connection) == Int64(PostgresSchema.version))
            // 'p': partitioned by range ('r'), on time.
            #expect(try await scalar("SELECT relkind::text FROM pg_class WHERE relname = 'events'", String.self, on: connection) == "p")
            #expect(try await scalar("SELECT pg_get_partkeydef('events'::regclass)", String.self, on: connection) == "RANGE (\"time\")")
        }
    }

    @Test("migrating an up-to-date database again applies nothing and changes nothing")
    func again() async throws {
        try await withTestDatabase { connection, _ in
            let migrator = PostgresMigrator(connection: connection, logger: testLogger)
            try await migrator.migrate()
            let tables = try await scalar("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace", Int64.self, on: connection)
            #expect(try await migrator.migrate().isEmpty)
            #expect(try await scalar("SELECT count(*) FROM schema_migrations", Int64.self, on: connection) == Int64(PostgresSchema.version))
            #expect(try await scalar("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace", Int64.self, on: connection) == tables)
        }
    }

    @Test("two instances migrating one empty database at once both succeed, and each migration runs once")
    func concurrently() async throws {
        try await withTestDatabase { connection, name in
            let other = try await connect(to: name, on: try PostgresServer.shared.get())
            defer { Task { try? await other.close() } }
            async let first = PostgresMigrator(connection: connection, logger: testLogger).migrate()
            async let second = PostgresMigrator(connection: other, logger: testLogger).migrate()
            let (a, b) = try await (first, second)
            #expect((a + b).sorted() == Array(1...PostgresSchema.version))
            #expect(try await scalar("SELECT count(*) FROM schema_migrations", Int64.self, on: connection) == Int64(PostgresSchema.version))
        }
    }

    @Test("a migration that fails leaves the database at the last version applied whole, and says what the server refused")
    func failedMigration() async throws {
        try await withTestDatabase { connection, _ async throws in
            let broken = PostgresSchema.migrations + [PostgresMigration(summary: "broken", statements: [
                "CREATE TABLE half_made (id integer)",
                "ALTER TABLE no_such_table ADD COLUMN x integer",
            ])]
            let migrator = PostgresMigrator(connection: connection, logger: testLogger, migrations: broken)
            let error = await #expect(throws: PostgresStoreError.self) { try await migrator.migrate() }
            #expect(String(describing: error).contains("no_such_table"))
            #expect(try await migrator.version() == PostgresSchema.version)
            #expect(try await scalar("SELECT to_regclass('half_made') IS NULL", Bool.self, on: connection))
        }
    }

    @Test("a database of a newer schema than this build knows is refused with what to do")
    func newerSchema() async throws {
        try await withTestDatabase { connection, _ in
            try await PostgresMigrator(connection: connection, logger: testLogger).migrate()
            let older = PostgresMigrator(connection: connection, logger: testLogger, migrations: Array(PostgresSchema.migrations.dropLast()))
            let error = await #expect(throws: PostgresStoreError.self) { try await older.migrate() }
            #expect(String(describing: error).contains("upgrade keywatch"))
        }
    }
}
