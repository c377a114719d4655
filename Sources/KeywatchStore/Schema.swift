import KeywatchCore

/// The store's schema, as an ordered list of migrations. `PRAGMA user_version` records how many
/// have been applied; opening a store applies the rest, each in its own transaction.
///
/// Rows are narrow on purpose — measured here, text columns and eight indexes held SQLite to
/// 32k rows/s, while integer rows clustered by time took 243k/s:
/// - `event_rows` is clustered by (time, 64 bits of the key): dedup costs no extra index, and new
///   rows land near the end of the tree;
/// - text fields are ids of `strings` (each distinct value stored once) — except the key, request
///   id, sessions and IP, which take too many values for that; enumerated fields are fixed codes
///   (``EventCodes``);
/// - the original records live compressed in `raw_blocks`, one block per batch;
/// - indexes are the ones `keywatch query` needs, partial where the rows that matter are few, and
///   ordered by hour first where their key takes many values (``EventHour``).
/// The view `events` shows every field of docs/events.md as text.
enum Schema {
    static var migrations: [String] {
        [version1, version2, version3, version4, version5, version6, version7, version8, version9, version10, inputProgress, alertResolutions, keyVaultTenants, eventNames, cloudInputs]
    }

    /// Where the cloud inputs stand, committed with the events they brought: each input's
    /// positions (``InputPosition``: an S3 listing's last key, a Kafka partition's next offset),
    /// and every S3 object read whole (``StoredObject``: bucket, key and ETag), so an object named
    /// again — a message delivered twice, a crash between commit and delete — is not read again.
    /// Adds two tables.
    private static var cloudInputs: String {
        """
        CREATE TABLE input_positions(
            input TEXT NOT NULL,                 -- `s3:<bucket>/<prefix>`, `eventhub:<bootstrap>/<hub>`…
            part TEXT NOT NULL,                  -- '' for a listing; a partition's number
            position TEXT NOT NULL,              -- the last key read; the next offset to read
            PRIMARY KEY(input, part)
        ) WITHOUT ROWID;
        CREATE TABLE s3_objects(
            bucket TEXT NOT NULL,
            key TEXT NOT NULL,
            etag TEXT NOT NULL,
            stored INTEGER NOT NULL,             -- microseconds, wall clock: when its events committed
            PRIMARY KEY(bucket, key, etag)
        ) WITHOUT ROWID;
        """
    }

    /// The names events give their principals and resources (``EventNames``): which principals
    /// carry the `principal_name` `checkout-irsa`, which resources the `object_name`
    /// `db-password`, so `--principal` and `--resource` find events by the names tables show
    /// through the principal and resource indexes, where the name columns have none. Adds a
    /// table, filled from the rows stored so far (one read of `event_rows`).
    private static var eventNames: String {
        """
        CREATE TABLE event_names(
            kind INTEGER NOT NULL,               -- 0: principal_name of principal; 1: object_name of resource
            name INTEGER NOT NULL,               -- strings.id of the name
            value INTEGER NOT NULL,              -- strings.id of the principal or resource
            PRIMARY KEY(kind, name, value)
        ) WITHOUT ROWID;
        CREATE INDEX event_names_by_value ON event_names(kind, value);
        INSERT OR IGNORE INTO event_names(kind, name, value)
            SELECT DISTINCT 0, principal_name, principal FROM event_rows WHERE principal_name IS NOT NULL AND principal IS NOT NULL
            UNION SELECT DISTINCT 1, object_name, resource FROM event_rows WHERE object_name IS NOT NULL AND resource IS NOT NULL;
        """
    }

    /// A Key Vault event's `tenant` is the caller's tenant or none: rows stored when a record
    /// without a tenant claim took its vault's subscription there lose it (the subscription is
    /// their `account`; a tenant claim never equals a subscription id). Touches only `event_rows`.
    private static var keyVaultTenants: String {
        """
        UPDATE event_rows SET tenant = NULL
            WHERE source = \(EventSource.azureKeyVault.code) AND tenant IS NOT NULL AND tenant = account;
        """
    }

    /// How far each of the daemon's inputs has delivered (``InputProgress``): detection's
    /// watermarks resume from it after a restart, so a pipeline that went quiet while keywatch was
    /// down is judged by when it last delivered. Adds a table.
    private static var inputProgress: String {
        """
        CREATE TABLE input_progress(
            input TEXT PRIMARY KEY,              -- `tail:<path>` or `push`
            newest INTEGER NOT NULL,             -- microseconds: the newest event time it delivered
            delivered INTEGER NOT NULL           -- microseconds, wall clock: when it last delivered an event
        ) WITHOUT ROWID;
        """
    }

    /// Alerts resolve (``AlertChange/resolved(_:)``): `alerts.resolved` says when, and the outbox
    /// holds a second delivery per alert and sink announcing it — `announces` says which, and is
    /// part of the unique key. SQLite cannot change a table's unique constraint, so the outbox is
    /// copied into a new table; its rows so far announced alerts firing. Touches only `alerts`
    /// and `outbox`.
    private static var alertResolutions: String {
        """
        ALTER TABLE alerts ADD COLUMN resolved INTEGER;  -- microseconds, event time: when its condition ended; NULL while firing
        CREATE TABLE outbox_announcing(
            id INTEGER PRIMARY KEY,
            alert_id TEXT NOT NULL,
            sink TEXT NOT NULL,                  -- the sink's name in the configuration
            announces TEXT NOT NULL DEFAULT 'firing' CHECK (announces IN ('firing', 'resolved')),
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            created INTEGER NOT NULL,            -- microseconds, wall clock: when what it announces committed (max_age counts from it)
            next_attempt INTEGER NOT NULL,
            last_attempt INTEGER,
            last_error TEXT,
            done INTEGER,                        -- when delivered or given up
            UNIQUE(alert_id, sink, announces)
        );
        INSERT INTO outbox_announcing(id, alert_id, sink, state, attempts, created, next_attempt, last_attempt, last_error, done)
            SELECT id, alert_id, sink, state, attempts, created, next_attempt, last_attempt, last_error, done FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_announcing RENAME TO outbox;
        CREATE INDEX outbox_due ON outbox(sink, next_attempt) WHERE state = 'pending';
        """
    }

    /// Every event gets `account`, the log pipeline it came through (``Event/account``), a string
    /// id like `tenant`. Stored rows get what SQL can tell: an AWS event's account is its tenant;
    /// a Key Vault event's is the subscription its file's path names when the file came from
    /// Azure's storage export (`…/resourceId=/SUBSCRIPTIONS/<id>/…`), lower case as the
    /// normalizer writes it. Other Key Vault rows (pushed, or files named otherwise) are left
    /// without one: their subscription is only in their record. Touches `event_rows`, `strings`
    /// and the `events` view.
    private static var version10: String {
        let marker = "RESOURCEID=/SUBSCRIPTIONS/"
        let rest = "substr(name, instr(upper(name), '\(marker)') + \(marker.count))"
        let subscriptions = """
            SELECT id, lower(substr(\(rest), 1, instr(\(rest) || '/', '/') - 1)) AS subscription
            FROM inputs WHERE instr(upper(name), '\(marker)') > 0
            """
        return """
        ALTER TABLE event_rows ADD COLUMN account INTEGER;  -- strings.id
        UPDATE event_rows SET account = tenant WHERE source <> \(EventSource.azureKeyVault.code);
        WITH named AS (\(subscriptions))
            INSERT OR IGNORE INTO strings(value) SELECT DISTINCT subscription FROM named WHERE subscription <> '';
        WITH named AS (\(subscriptions))
            UPDATE event_rows SET account = (SELECT s.id FROM named JOIN strings s ON s.value = named.subscription
                                              WHERE named.id = event_rows.input_id)
            WHERE source = \(EventSource.azureKeyVault.code);
        DROP VIEW events;
        \(eventsView(sessions: "e.session, e.new_session", tenant: "\(text("tenant")), \(text("account"))"));
        """
    }

    /// The session an STS or EKS Auth call creates gets a column of its own, `new_session`, so
    /// that `session` means the caller's session on every event (it held the created one on those
    /// calls). Stored rows of those calls move their session over: what they held was the created
    /// session — for a failed EKS Auth call, which returns none, it was the caller's and stays.
    /// The caller's session of an STS call stored before is not known without its record, and is
    /// left absent. Touches only `event_rows` and the `events` view.
    private static var version9: String {
        """
        ALTER TABLE event_rows ADD COLUMN new_session TEXT;  -- inline, like session
        UPDATE event_rows SET new_session = session, session = NULL
            WHERE session IS NOT NULL AND (source = \(EventSource.awsSTS.code)
                OR (source = \(EventSource.awsEKSAuth.code) AND outcome = \(Outcome.success.code)));
        DROP VIEW events;
        \(eventsView(sessions: "e.session, e.new_session"));
        """
    }

    /// Idempotency keys of pushes, by digest: a key of any length is kept whole (it was cut to
    /// 200 characters, so long keys sharing a prefix collided), with the digest of the body it
    /// came with (so the same key with another body is refused, not answered with the first
    /// answer) and an index by time for pruning expired keys. The keys kept before are dropped:
    /// they cannot be digested in SQL, and a retry of a batch pushed before the upgrade stores
    /// its events as duplicates, not twice. Touches nothing else, so it applies after any
    /// migration numbered before it.
    private static var version8: String {
        """
        DROP TABLE http_requests;
        CREATE TABLE http_requests(
            key_hash BLOB PRIMARY KEY,           -- SHA-256 of the whole Idempotency-Key (or X-Amz-Firehose-Request-Id)
            body_hash BLOB NOT NULL,             -- SHA-256 of the body after decompression
            received INTEGER NOT NULL,           -- microseconds, wall clock: the key expires http.idempotency_ttl after
            accepted INTEGER NOT NULL,
            duplicates INTEGER NOT NULL,
            rejected INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX http_requests_by_received ON http_requests(received);
        """
    }

    /// Rejects of files are unique per file generation, not per path: a rotated file's successor
    /// (or a file truncated and written again) with a bad record at the same offset as its
    /// predecessor's has another reject. The generation hashes the file's inode and first
    /// kilobyte, so the very same file read again still stores each reject once.
    private static var version7: String {
        """
        ALTER TABLE rejects ADD COLUMN input_generation INTEGER NOT NULL DEFAULT 0;  -- 0: unknown (pushes; before version 7)
        DROP INDEX rejects_once;
        CREATE UNIQUE INDEX rejects_once ON rejects(input_id, input_generation, input_offset, reason) WHERE input_offset IS NOT NULL;
        """
    }

    /// The principal and resource indexes ordered by hour first, so an append writes the pages of
    /// its own hours only (``EventHour``). Rebuilding them took 21 s on a 10M-event store.
    private static var version6: String {
        """
        DROP INDEX event_rows_by_principal;
        DROP INDEX event_rows_by_resource;
        CREATE INDEX event_rows_by_principal ON event_rows(time / 3600000000, principal, time);
        CREATE INDEX event_rows_by_resource ON event_rows(time / 3600000000, resource, time);
        """
    }

    /// Detection state in chunks of about a megabyte, so saving a million groups holds neither
    /// the whole encoding nor SQLite's copy of it in memory; `detection_state.state` stays empty.
    private static var version5: String {
        """
        CREATE TABLE detection_state_chunks(
            seq INTEGER PRIMARY KEY,
            data BLOB NOT NULL
        );
        """
    }

    /// Alert delivery: one outbox row per alert and sink, created in the alert's transaction;
    /// the sinks' workers record each attempt on it.
    private static var version4: String {
        """
        CREATE TABLE outbox(
            id INTEGER PRIMARY KEY,
            alert_id TEXT NOT NULL,
            sink TEXT NOT NULL,                  -- the sink's name in the configuration
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            created INTEGER NOT NULL,            -- microseconds, wall clock: the alert's commit (max_age counts from it)
            next_attempt INTEGER NOT NULL,
            last_attempt INTEGER,
            last_error TEXT,
            done INTEGER,                        -- when delivered or given up
            UNIQUE(alert_id, sink)
        );
        CREATE INDEX outbox_due ON outbox(sink, next_attempt) WHERE state = 'pending';
        """
    }

    /// The daemon: tailed files by identity (device, inode, head fingerprint), not by path, so a
    /// renamed file keeps its offset and a new file at an old path starts afresh; a reject is
    /// stored once however often its input is read again.
    private static var version3: String {
        """
        DROP TABLE file_checkpoints;
        CREATE TABLE tailed_files(
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,                  -- where it was last seen
            device INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            fingerprint BLOB NOT NULL,           -- SHA-256 of the file's first fingerprint_length bytes
            fingerprint_length INTEGER NOT NULL,
            offset INTEGER NOT NULL,             -- bytes consumed, committed with their events
            guard_hash BLOB,                     -- SHA-256 of the bytes just before offset
            complete INTEGER NOT NULL DEFAULT 0, -- a compressed file read to its end: never read again
            updated INTEGER NOT NULL
        );
        DELETE FROM rejects WHERE input_offset IS NOT NULL AND id NOT IN
            (SELECT min(id) FROM rejects WHERE input_offset IS NOT NULL GROUP BY input_id, input_offset, reason);
        CREATE UNIQUE INDEX rejects_once ON rejects(input_id, input_offset, reason) WHERE input_offset IS NOT NULL;
        """
    }

    /// Detection: alerts, the engine's state, and each raw block's span of event time (so
    /// replays and backtests find a batch's rows by the clustered index).
    private static var version2: String {
        """
        ALTER TABLE raw_blocks ADD COLUMN first_time INTEGER;  -- the batch's oldest event time
        ALTER TABLE raw_blocks ADD COLUMN last_time INTEGER;
        CREATE TABLE alerts(
            seq INTEGER PRIMARY KEY,             -- order raised
            id TEXT NOT NULL UNIQUE,             -- short, from the key
            key TEXT NOT NULL UNIQUE,            -- rule + group + window: a replay raises the same key
            rule TEXT NOT NULL,
            severity TEXT NOT NULL,
            first_seen INTEGER NOT NULL,         -- microseconds, event time
            last_seen INTEGER NOT NULL,
            count INTEGER NOT NULL,
            raised INTEGER NOT NULL,             -- microseconds, wall clock
            updated INTEGER NOT NULL,
            json TEXT NOT NULL                   -- the alert of docs/alerts.md, as last updated
        );
        CREATE INDEX alerts_by_first_seen ON alerts(first_seen);
        CREATE TABLE detection_state(
            id INTEGER PRIMARY KEY CHECK (id = 1),
            block INTEGER NOT NULL,              -- the last raw_blocks.id whose events the state includes
            state BLOB NOT NULL,
            saved INTEGER NOT NULL               -- microseconds, wall clock
        );
        """
    }

    private static var version1: String {
        """
        CREATE TABLE strings(
            id INTEGER PRIMARY KEY,
            value TEXT NOT NULL UNIQUE
        );
        CREATE TABLE inputs(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE            -- 'file:<path>' or 'http:<request id>'
        );
        CREATE TABLE raw_blocks(
            id INTEGER PRIMARY KEY,
            codec TEXT NOT NULL,                 -- 'zstd' or 'none'
            size INTEGER NOT NULL,               -- uncompressed bytes
            data BLOB NOT NULL
        );
        CREATE TABLE event_rows(
            time INTEGER NOT NULL,               -- microseconds since 1970-01-01T00:00:00Z
            key_hash INTEGER NOT NULL,           -- 64 bits of key
            key TEXT NOT NULL,
            source INTEGER NOT NULL,             -- codes: see the events view
            operation INTEGER NOT NULL,          -- strings.id
            class INTEGER NOT NULL,
            outcome INTEGER NOT NULL,
            status INTEGER,
            error_code INTEGER,
            reason INTEGER,
            principal INTEGER,
            principal_type INTEGER,
            principal_name INTEGER,
            app_id INTEGER,
            session TEXT,                        -- inline: sessions and addresses take many values

            namespace INTEGER,
            service_account INTEGER,
            tenant INTEGER,
            scope INTEGER,
            resource INTEGER,
            resource_type INTEGER NOT NULL,
            object_name INTEGER,
            resource_namespace INTEGER,
            ip TEXT,
            user_agent INTEGER,
            region INTEGER,
            request_id TEXT,
            input_id INTEGER NOT NULL,           -- inputs.id
            input_offset INTEGER,
            raw_block INTEGER NOT NULL,          -- raw_blocks.id
            raw_offset INTEGER NOT NULL,
            raw_length INTEGER NOT NULL,
            PRIMARY KEY (time, key_hash)
        ) WITHOUT ROWID;
        CREATE INDEX event_rows_by_principal ON event_rows(principal, time);
        CREATE INDEX event_rows_by_resource ON event_rows(resource, time);
        CREATE INDEX event_rows_unsuccessful ON event_rows(outcome, time) WHERE outcome <> 0;
        CREATE INDEX event_rows_by_rare_class ON event_rows(class, time) WHERE class > 2;
        CREATE INDEX event_rows_by_namespace ON event_rows(namespace, time) WHERE namespace IS NOT NULL;
        CREATE TABLE rejects(
            id INTEGER PRIMARY KEY,
            received INTEGER NOT NULL,           -- microseconds since the epoch, wall clock
            input_id INTEGER NOT NULL,           -- inputs.id
            input_offset INTEGER,
            reason TEXT NOT NULL,
            prefix BLOB NOT NULL                 -- the first bytes of the bad record
        );
        CREATE TABLE file_checkpoints(
            input_id INTEGER PRIMARY KEY,        -- inputs.id
            device INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            fingerprint BLOB NOT NULL,           -- SHA-256 of the file's first bytes
            fingerprint_length INTEGER NOT NULL,
            offset INTEGER NOT NULL,             -- bytes consumed, committed with their events
            guard_hash BLOB,                     -- SHA-256 of the bytes just before offset
            complete INTEGER NOT NULL DEFAULT 0, -- a compressed file read to its end
            updated INTEGER NOT NULL
        );
        CREATE TABLE workload_sessions(
            role TEXT NOT NULL,                  -- the IAM role ARN
            session TEXT NOT NULL,               -- the role session name
            namespace TEXT NOT NULL,             -- the Kubernetes namespace and service account it was issued to
            service_account TEXT,
            seen INTEGER NOT NULL,               -- microseconds since the epoch (event time)
            PRIMARY KEY (role, session)
        ) WITHOUT ROWID;
        CREATE TABLE http_requests(
            idempotency_key TEXT PRIMARY KEY,
            received INTEGER NOT NULL,
            accepted INTEGER NOT NULL,
            duplicates INTEGER NOT NULL,
            rejected INTEGER NOT NULL
        );
        \(eventsView(sessions: "e.session"));
        """
    }

    /// The view `events`: every field of docs/events.md as text; `sessions` are the session columns,
    /// `tenant` the tenant's and those after it.
    private static func eventsView(sessions: String, tenant: String = text("tenant")) -> String {
        """
        CREATE VIEW events AS
            SELECT e.key,
                   \(EventCodes.caseExpression("e.source", EventSource.self)) AS source,
                   strftime('%Y-%m-%dT%H:%M:%S', e.time / 1000000, 'unixepoch') || printf('.%06dZ', e.time % 1000000) AS time,
                   \(text("operation")),
                   \(EventCodes.caseExpression("e.class", EventClass.self)) AS class,
                   \(EventCodes.caseExpression("e.outcome", Outcome.self)) AS outcome,
                   e.status,
                   \(text("error_code")),
                   \(EventCodes.caseExpression("e.reason", DenialReason.self)) AS reason,
                   \(text("principal")),
                   \(EventCodes.caseExpression("e.principal_type", PrincipalType.self)) AS principal_type,
                   \(text("principal_name")), \(text("app_id")), \(sessions), \(text("namespace")),
                   \(text("service_account")), \(tenant), \(text("scope")), \(text("resource")),
                   \(EventCodes.caseExpression("e.resource_type", ResourceType.self)) AS resource_type,
                   \(text("object_name")), \(text("resource_namespace")), e.ip, \(text("user_agent")),
                   \(text("region")), e.request_id,
                   (SELECT name FROM inputs WHERE id = e.input_id) || coalesce('@' || e.input_offset, '') AS origin,
                   e.time AS time_us, e.raw_block, e.raw_offset, e.raw_length
            FROM event_rows e
        """
    }

    private static func text(_ column: String) -> String {
        "(SELECT value FROM strings WHERE id = e.\(column)) AS \(column)"
    }
}
