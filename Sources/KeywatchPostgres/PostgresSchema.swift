/// The PostgreSQL store's schema, as an ordered list of migrations. `schema_migrations` records the
/// versions applied; ``PostgresMigrator`` applies the rest, each in its own transaction. A change
/// is a new migration at the end of ``migrations``, never an edit of one applied somewhere.
///
/// Shaped for several instances writing one database and for retention by the day:
/// - `events` is partitioned by range of event time, one partition a day (``EventPartitions``
///   creates them as batches need them), so that retention drops a day's table instead of
///   deleting rows, and a query over a time span reads only its days;
/// - its primary key is (time, key): an event is the same event when its dedup key and time are
///   (as in the SQLite store), a unique index on a partitioned table must hold the partition's
///   column, and time first puts a day's new rows at the end of its index;
/// - the fields of docs/events.md are columns of their own, text as it reads (enumerations by
///   name, strings as ``PostgresText`` keeps them), so `--sql` and psql read them without a view;
///   the record as received is `raw`, byte for byte;
/// - indexes are the ones a query by principal, by resource and for failures needs; each costs
///   every insert. The indexed text columns sort by bytes (`COLLATE "C"`): a lookup needs equality
///   and time order only, and the database's own locale would compare through the C library;
/// - the record is compressed with lz4 when its row passes PostgreSQL's 2 kB threshold, where the
///   default (pglz) cost a third of the time of an insert.
public enum PostgresSchema {
    /// Every migration, oldest first; version n is `migrations[n - 1]`.
    public static var migrations: [PostgresMigration] { [events] }

    /// The newest schema this build knows.
    public static var version: Int { migrations.count }

    /// Events (partitioned by day) and rejected records.
    private static var events: PostgresMigration {
        PostgresMigration(summary: "events partitioned by day, rejects", statements: [
            """
            CREATE TABLE events (
                key text COLLATE "C" NOT NULL,       -- the dedup key (docs/events.md)
                time timestamptz NOT NULL,
                source text NOT NULL,
                operation text NOT NULL,
                class text NOT NULL,
                outcome text NOT NULL,
                status integer,
                error_code text,
                reason text,
                principal text COLLATE "C",
                principal_type text,
                principal_name text,
                app_id text,
                session text,
                new_session text,
                namespace text,
                service_account text,
                tenant text,
                account text,
                scope text,
                resource text COLLATE "C",
                resource_type text NOT NULL,
                object_name text,
                resource_namespace text,
                ip text,
                user_agent text,
                region text,
                request_id text,
                input text NOT NULL,                 -- `file:<path>`, `http:<request id>`, `s3:<bucket>/<key>`…
                input_offset bigint,                 -- byte offset of the record in its file
                raw bytea COMPRESSION lz4 NOT NULL,  -- the record as received
                PRIMARY KEY (time, key)
            ) PARTITION BY RANGE (time)
            """,
            "CREATE INDEX events_by_principal ON events (principal, time)",
            "CREATE INDEX events_by_resource ON events (resource, time)",
            "CREATE INDEX events_unsuccessful ON events (outcome, time) WHERE outcome <> 'success'",
            """
            CREATE TABLE rejects (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                received timestamptz NOT NULL,       -- when it was stored
                input text NOT NULL,
                input_offset bigint,
                input_generation bigint NOT NULL,    -- which file a path named (0: unknown, pushes)
                reason text NOT NULL,
                prefix bytea NOT NULL                -- the first bytes of the bad record
            )
            """,
            // A file read again stores each of its rejects once; a push has no offset to tell by.
            """
            CREATE UNIQUE INDEX rejects_once ON rejects (input, input_generation, input_offset, reason)
                WHERE input_offset IS NOT NULL
            """,
        ])
    }
}

/// One step of the schema: statements applied together, in one transaction.
public struct PostgresMigration: Sendable {
    /// What it changes, for the log of an upgrade.
    public var summary: String
    /// Run in order; each a single SQL statement (the extended protocol takes one at a time).
    public var statements: [String]

    public init(summary: String, statements: [String]) {
        self.summary = summary
        self.statements = statements
    }
}
