import CSQLite
import Foundation
import KeywatchCore

/// The writing side of the store: one per process, owned by one thread.
///
/// Each batch is one transaction: its raw block, its events (deduplicated by the primary key on
/// (time, key): a re-ingested record stores nothing), its rejects — and whatever else the caller
/// commits with them (input offsets, detection state), so that a crash loses or repeats nothing.
public final class EventStore {
    public let connection: SQLiteConnection
    public let path: String
    /// The sinks a new alert is delivered to through the outbox (their configured names).
    public var deliverySinks: [String] = []
    /// Inserts ``rowsPerInsert`` rows at once (amortizing the statement's overhead), and one.
    private let insertEvents: Statement
    private let insertEvent: Statement
    private let selectStoredRow: Statement
    private static let rowsPerInsert = 16
    private let insertBlock: Statement
    private let insertReject: Statement
    private let insertString: Statement
    private let selectString: Statement
    private let insertInput: Statement
    private let selectInput: Statement
    private let insertSession: Statement
    private let insertName: Statement
    private var stringIDs = IDCache(limit: 1 << 17)
    private var names = EventNames.Cache(limit: 1 << 18)
    private var inputIDs = IDCache(limit: 1 << 16)

    /// Opens the store at `path`, creating it and applying migrations as needed.
    public init(path: String, options: StoreOptions = StoreOptions()) throws(StoreError) {
        self.path = path
        do {
            connection = try SQLiteConnection(path: path)
            if connection.isReadOnly {
                // Said now, not by the first commit: SQLite opens a file it cannot write read-only.
                throw SQLiteError(code: SQLITE_READONLY, message: "opened read-only: the file cannot be written",
                                  file: connection.fileName ?? path)
            }
            connection.setBusyTimeout(milliseconds: options.busyTimeoutMilliseconds)
            try connection.execute("PRAGMA page_size = \(options.pageSize)")
            try connection.execute("PRAGMA journal_mode = WAL")
            // In WAL mode NORMAL never corrupts; a power loss may drop the last commits, and the
            // input offsets committed with them, so those records are read again: nothing lost.
            try connection.execute("PRAGMA synchronous = NORMAL")
            try connection.execute("PRAGMA cache_size = -\(options.cacheMiB * 1024)")
            try connection.execute("PRAGMA temp_store = MEMORY")
            if options.backgroundCheckpoints {
                // A WALCheckpointer copies the log on another core while the writer goes on; but
                // a log always being appended to never restarts, and grows (measured: 440 MB by
                // the end of a 585k-event backfill). So the writer still checkpoints past 64 MB —
                // quickly, since most frames are copied already — and the log restarts.
                try connection.execute("PRAGMA wal_autocheckpoint = \((64 << 20) / options.pageSize)")
                try connection.execute("PRAGMA journal_size_limit = \(64 << 20)")
            }
            try Self.migrate(connection, onUpgrade: options.onUpgrade)
            let columns = """
                time, key_hash, key, source, operation, class, outcome, status, error_code, reason, principal,
                principal_type, principal_name, app_id, session, namespace, service_account, tenant, scope, resource,
                resource_type, object_name, resource_namespace, ip, user_agent, region, request_id, input_id,
                input_offset, raw_block, raw_offset, raw_length, new_session, account
                """
            let tuple = "(" + Array(repeating: "?", count: Self.columnsPerRow).joined(separator: ",") + ")"
            insertEvents = try connection.prepare("""
                INSERT OR IGNORE INTO event_rows(\(columns))
                VALUES \(Array(repeating: tuple, count: Self.rowsPerInsert).joined(separator: ","))
                """)
            insertEvent = try connection.prepare("INSERT OR IGNORE INTO event_rows(\(columns)) VALUES \(tuple)")
            selectStoredRow = try connection.prepare(
                "SELECT raw_block, raw_offset, key FROM event_rows WHERE time = ?1 AND key_hash = ?2")
            insertBlock = try connection.prepare(
                "INSERT INTO raw_blocks(codec, size, data, first_time, last_time) VALUES (?1, ?2, ?3, ?4, ?5)")
            insertReject = try connection.prepare(
                """
                INSERT OR IGNORE INTO rejects(received, input_id, input_offset, reason, prefix, input_generation)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                """)
            insertString = try connection.prepare("INSERT OR IGNORE INTO strings(value) VALUES (?1)")
            insertName = try connection.prepare("INSERT OR IGNORE INTO event_names(kind, name, value) VALUES (?1, ?2, ?3)")
            selectString = try connection.prepare("SELECT id FROM strings WHERE value = ?1")
            insertInput = try connection.prepare("INSERT OR IGNORE INTO inputs(name) VALUES (?1)")
            selectInput = try connection.prepare("SELECT id FROM inputs WHERE name = ?1")
            insertSession = try connection.prepare("""
                INSERT INTO workload_sessions(role, session, namespace, service_account, seen) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT(role, session) DO UPDATE SET namespace = excluded.namespace,
                    service_account = excluded.service_account, seen = max(seen, excluded.seen)
                """)
        } catch {
            throw StoreError(error)
        }
    }

    /// The newest schema this build knows.
    public static var schemaVersion: Int { Schema.migrations.count }

    static func migrate(_ connection: SQLiteConnection, onUpgrade: (@Sendable (Int, Int) -> Void)? = nil) throws {
        let current = Int(try connection.scalar("PRAGMA user_version") ?? 0)
        guard current <= Schema.migrations.count else {
            throw StoreError.newerSchema(found: current, supported: Schema.migrations.count)
        }
        if current > 0 && current < Schema.migrations.count { onUpgrade?(current, Schema.migrations.count) }
        for version in current..<Schema.migrations.count {
            try connection.transaction {
                try connection.execute(Schema.migrations[version])
                try connection.execute("PRAGMA user_version = \(version + 1)")
            }
        }
    }

    /// Writes a batch in one transaction.
    @discardableResult
    public func write(_ prepared: PreparedBatch) throws(StoreError) -> BatchWriteResult {
        try transaction { () throws(StoreError) in try self.append(prepared) }
    }

    /// Runs `body` in one write transaction; on failure nothing of it is kept.
    /// - Parameter durable: the commit is on disk when this returns, power cut or not — for what
    ///   is told to the world after it (a queue message deleted). Other commits may be undone by a
    ///   power cut, with the input positions committed with them, so their records are read again.
    public func transaction<T>(durable: Bool = false, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        do {
            // In WAL mode, FULL syncs the log at each commit; NORMAL only at checkpoints.
            if durable { try connection.execute("PRAGMA synchronous = FULL") }
            try connection.execute("BEGIN IMMEDIATE")
        } catch {
            throw .sqlite(error)
        }
        defer { if durable { try? connection.execute("PRAGMA synchronous = NORMAL") } }
        do {
            let result = try body()
            try connection.execute("COMMIT")
            stringIDs.commit()
            inputIDs.commit()
            names.commit()
            return result
        } catch {
            try? connection.execute("ROLLBACK")
            stringIDs.rollback()
            inputIDs.rollback()
            names.rollback()
            throw StoreError(error)
        }
    }

    /// Appends a batch's block, events and rejects inside the current transaction.
    public func append(_ prepared: PreparedBatch) throws(StoreError) -> BatchWriteResult {
        do {
            return try appendRows(prepared)
        } catch {
            throw StoreError(error)
        }
    }

    /// The batch's pairs of name and principal, and of name and resource, that may be new.
    private func storeNames(of batch: EventBatch, ids: [Int64]) throws {
        func store(_ kind: EventNames.Kind, _ name: StringIndex, _ value: StringIndex) throws {
            guard name != .none, value != .none else { return }
            let pair = EventNames.Pair(kind: kind, name: ids[Int(name.rawValue)], value: ids[Int(value.rawValue)])
            guard names.isNew(pair) else { return }
            insertName.bind(pair.kind.rawValue, at: 1)
            insertName.bind(pair.name, at: 2)
            insertName.bind(pair.value, at: 3)
            try insertName.step()
            insertName.reset()
        }
        for row in batch.rows {
            try store(.principal, row.principalName, row.principal)
            try store(.resource, row.objectName, row.resource)
        }
    }

    private func appendRows(_ prepared: PreparedBatch) throws -> BatchWriteResult {
        var result = BatchWriteResult()
        let batch = prepared.batch
        var inputs: [Int64] = []
        inputs.reserveCapacity(batch.inputs.count)
        for name in batch.inputs { inputs.append(try inputID(name)) }
        if !batch.rows.isEmpty {
            // Each distinct string of the batch once, not each field of each row; the inline
            // columns (session, ip) need no id.
            var ids = [Int64](repeating: 0, count: batch.strings.count)
            var needed = [Bool](repeating: false, count: batch.strings.count)
            for row in batch.rows {
                var row = row
                row.ip = .none
                row.remapStrings { needed[Int($0.rawValue)] = true; return $0 }
            }
            for index in 1..<batch.strings.count where needed[index] { ids[index] = try stringID(batch.strings[index]) }
            try storeNames(of: batch, ids: ids)

            insertBlock.bind(prepared.codec, at: 1)
            insertBlock.bind(Int64(batch.raw.count), at: 2)
            prepared.block.withUnsafeBytes { insertBlock.bind(blob: $0, at: 3) }
            var first = Int64.max, last = Int64.min
            for row in batch.rows {
                first = min(first, row.time.microseconds)
                last = max(last, row.time.microseconds)
            }
            insertBlock.bind(first, at: 4)
            insertBlock.bind(last, at: 5)
            try insertBlock.step()
            insertBlock.reset()
            let block = connection.lastInsertRowID
            result.block = block

            result.newRows.reserveCapacity(batch.rows.count)
            var position = 0
            while position < batch.rows.count {
                let count = batch.rows.count - position >= Self.rowsPerInsert ? Self.rowsPerInsert : 1
                let statement = count == 1 ? insertEvent : insertEvents
                for k in 0..<count {
                    bind(batch.rows[position + k], of: batch, ids: ids, inputs: inputs, block: block,
                         to: statement, from: Int32(k * Self.columnsPerRow))
                }
                try statement.step()
                sqlite3_reset(statement.handle)
                var inserted = connection.changes
                if inserted == count {
                    result.newRows.append(contentsOf: position..<(position + count))
                } else {
                    // Some were duplicates: a row is new if the stored copy is this one — or if
                    // the stored one only shares its time and key hash (a hostile key can be
                    // made to), in which case it goes in under the next free hash.
                    for k in 0..<count {
                        switch try storedCopy(of: batch.rows[position + k], in: batch, block: block) {
                        case .this: result.newRows.append(position + k)
                        case .sameKey: break
                        case .otherKey:
                            if try insertColliding(batch.rows[position + k], of: batch, ids: ids, inputs: inputs, block: block) {
                                result.newRows.append(position + k)
                                inserted += 1
                            }
                        }
                    }
                }
                result.counts.stored += inserted
                result.counts.duplicates += count - inserted
                position += count
            }
        }
        for session in prepared.sessions {
            insertSession.bind(session.role, at: 1)
            insertSession.bind(session.name, at: 2)
            insertSession.bind(session.namespace, at: 3)
            insertSession.bind(session.serviceAccount, at: 4)
            insertSession.bind(session.seen.microseconds, at: 5)
            try insertSession.step()
            insertSession.reset()
        }
        if !batch.rejects.isEmpty {
            let now = Timestamp.now.microseconds
            for reject in batch.rejects {
                insertReject.bind(now, at: 1)
                insertReject.bind(try inputID(reject.origin.input), at: 2)
                if let offset = reject.origin.offset { insertReject.bind(offset, at: 3) } else { insertReject.bindNull(at: 3) }
                insertReject.bind(reject.reason, at: 4)
                reject.prefix.withUnsafeBytes { insertReject.bind(blob: $0, at: 5) }
                insertReject.bind(reject.inputGeneration, at: 6)
                try insertReject.step()
                insertReject.reset()
                result.counts.rejected += 1
            }
        }
        return result
    }

    private static let columnsPerRow = 34

    /// The most recently seen workload sessions, at most `limit` of them.
    public func workloadSessions(limit: Int = 200_000) throws(StoreError) -> [WorkloadAttribution.Session] {
        do {
            let statement = try connection.prepare(
                "SELECT role, session, namespace, service_account, seen FROM workload_sessions ORDER BY seen DESC LIMIT ?1")
            statement.bind(Int64(limit), at: 1)
            var sessions: [WorkloadAttribution.Session] = []
            while try statement.step() {
                sessions.append(WorkloadAttribution.Session(
                    role: statement.text(0) ?? "", name: statement.text(1) ?? "", namespace: statement.text(2) ?? "",
                    serviceAccount: statement.text(3), seen: Timestamp(microseconds: statement.int64(4))))
            }
            return sessions
        } catch {
            throw .sqlite(error)
        }
    }

    /// Binds a row's 34 columns, starting after parameter `base`.
    @inline(__always)
    private func bind(
        _ row: EventRow, of batch: EventBatch, ids: [Int64], inputs: [Int64], block: Int64, to statement: Statement, from base: Int32
    ) {
        func bind(_ index: StringIndex, at position: Int32) {
            if index.isNone { statement.bindNull(at: base + position) } else { statement.bind(ids[Int(index.rawValue)], at: base + position) }
        }
        func bind(_ code: Int64?, at position: Int32) {
            if let code { statement.bind(code, at: base + position) } else { statement.bindNull(at: base + position) }
        }
        func bind(_ text: TextSpan, at position: Int32) {
            if text.isNone {
                statement.bindNull(at: base + position)
            } else {
                batch.withTextBytes(text) { statement.bind(text: $0, at: base + position) }
            }
        }
        bind(row.time.microseconds, at: 1)
        bind(row.keyHash, at: 2)
        batch.withTextBytes(row.key) { statement.bind(text: $0, at: base + 3) }
        bind(row.source.code, at: 4)
        bind(row.operation, at: 5)
        bind(row.eventClass.code, at: 6)
        bind(row.outcome.code, at: 7)
        bind(row.status.map(Int64.init), at: 8)
        bind(row.errorCode, at: 9)
        bind(row.reason?.code, at: 10)
        bind(row.principal, at: 11)
        bind(row.principalType?.code, at: 12)
        bind(row.principalName, at: 13)
        bind(row.appID, at: 14)
        bind(row.session, at: 15)
        bind(row.namespace, at: 16)
        bind(row.serviceAccount, at: 17)
        bind(row.tenant, at: 18)
        bind(row.scope, at: 19)
        bind(row.resource, at: 20)
        bind(row.resourceType.code, at: 21)
        bind(row.objectName, at: 22)
        bind(row.resourceNamespace, at: 23)
        statement.bind(batch.string(row.ip), at: base + 24)
        bind(row.userAgent, at: 25)
        bind(row.region, at: 26)
        bind(row.requestID, at: 27)
        bind(inputs.isEmpty ? 0 : inputs[Int(row.input)], at: 28)
        bind(row.inputOffset, at: 29)
        bind(block, at: 30)
        bind(Int64(row.raw.offset), at: 31)
        bind(Int64(row.raw.length), at: 32)
        bind(row.newSession, at: 33)
        bind(row.account, at: 34)
    }

    /// True when the stored row with `row`'s key is `row` itself (written from `block`).
    /// What is stored at a row's (time, key hash).
    private enum StoredCopy { case this, sameKey, otherKey }

    private func storedCopy(of row: EventRow, in batch: EventBatch, block: Int64) throws -> StoredCopy {
        selectStoredRow.bind(row.time.microseconds, at: 1)
        selectStoredRow.bind(row.keyHash, at: 2)
        defer { selectStoredRow.reset() }
        guard try selectStoredRow.step() else { return .otherKey }
        if selectStoredRow.int64(0) == block && selectStoredRow.int64(1) == Int64(row.raw.offset) { return .this }
        return selectStoredRow.text(2) == batch.text(row.key) ? .sameKey : .otherKey
    }

    /// Stores a row whose (time, key hash) holds another key, under the next hash that is free —
    /// unless its own key turns up on the way (a duplicate after all). Returns whether it was stored.
    ///
    /// The hashes that follow the row's own come first; past ``collisionRun`` of them, the ones
    /// that follow a hash drawn from the SHA-256 of the whole key. A pushed record's key is the
    /// pusher's choice, and a common-shape key is hashed by its leading digits, so keys that
    /// share those digits and a time fill the first run; the second they cannot aim at. The
    /// same key always walks the same hashes, so a duplicate still finds itself.
    private func insertColliding(_ row: EventRow, of batch: EventBatch, ids: [Int64], inputs: [Int64], block: Int64) throws -> Bool {
        var probe = row
        for step in 0..<(2 * Self.collisionRun) {
            if step == Self.collisionRun {
                probe.keyHash = batch.withTextBytes(row.key, KeyHash.digest)
            } else {
                probe.keyHash &+= 1
            }
            selectStoredRow.bind(probe.time.microseconds, at: 1)
            selectStoredRow.bind(probe.keyHash, at: 2)
            let taken = try selectStoredRow.step()
            let sameKey = taken && selectStoredRow.text(2) == batch.text(row.key)
            selectStoredRow.reset()
            if sameKey { return false }
            if taken { continue }
            bind(probe, of: batch, ids: ids, inputs: inputs, block: block, to: insertEvent, from: 0)
            try insertEvent.step()
            insertEvent.reset()
            return connection.changes == 1
        }
        throw StoreError.corrupt("\(2 * Self.collisionRun) events share the time \(row.time) and nearly the same key hash")
    }

    /// Hashes tried one after another from each start.
    static let collisionRun = 64

    /// The id of a string of `strings`, created on first use.
    func stringID(_ value: String) throws -> Int64 {
        if let id = stringIDs[value] { return id }
        let id = try lookUpOrInsert(value, insert: insertString, select: selectString)
        stringIDs.add(value, id)
        return id
    }

    /// The id of an input name, created on first use.
    public func inputID(_ name: String) throws -> Int64 {
        if let id = inputIDs[name] { return id }
        let id = try lookUpOrInsert(name, insert: insertInput, select: selectInput)
        inputIDs.add(name, id)
        return id
    }

    private func lookUpOrInsert(_ value: String, insert: Statement, select: Statement) throws -> Int64 {
        insert.bind(value, at: 1)
        try insert.step()
        insert.reset()
        if connection.changes == 1 { return connection.lastInsertRowID }
        select.bind(value, at: 1)
        defer { select.reset() }
        guard try select.step() else { throw StoreError.corrupt("'\(value.prefix(80))' vanished while being written") }
        return select.int64(0)
    }
}
