import KeywatchCore

/// Reads stored events back as the batches they were written in — each raw block's new rows, in
/// their order within the batch — so detection sees the same sequence when it replays them
/// (after a restart, or in a backtest) as when they were first written.
public struct StoredBatches {
    let connection: SQLiteConnection

    public init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Calls `body` with each stored batch of a block after `block`, in the order they were
    /// written, optionally only those holding events at or after `since`.
    /// - Parameter withRaw: decompress the original records too (for rules that read `raw.<path>`).
    public func forEach(afterBlock block: Int64, since: Timestamp? = nil, until: Timestamp? = nil, withRaw: Bool,
                        _ body: (EventBatch, Int64) throws -> Void) throws {
        let blocks = try connection.prepare("""
            SELECT id, first_time, last_time, codec, size FROM raw_blocks
            WHERE id > ?1 AND first_time IS NOT NULL AND last_time >= ?2 AND first_time <= ?3 ORDER BY id
            """)
        blocks.bind(block, at: 1)
        blocks.bind(since?.microseconds ?? Int64.min, at: 2)
        blocks.bind(until?.microseconds ?? Int64.max, at: 3)
        let rows = try connection.prepare("""
            SELECT key, source, time, operation, class, outcome, status, error_code, reason, principal, principal_type,
                   principal_name, app_id, session, namespace, service_account, tenant, scope, resource, resource_type,
                   object_name, resource_namespace, ip, user_agent, region, request_id, input_id, input_offset,
                   raw_offset, raw_length, key_hash, new_session, account
            FROM event_rows WHERE time BETWEEN ?1 AND ?2 AND raw_block = ?3 AND time BETWEEN ?4 AND ?5 ORDER BY raw_offset
            """)
        let strings = try connection.prepare("SELECT value FROM strings WHERE id = ?1")
        let inputs = try connection.prepare("SELECT name FROM inputs WHERE id = ?1")
        let rawBlock = try connection.prepare("SELECT data FROM raw_blocks WHERE id = ?1")
        let decompressor = RawBlockDecompressor()
        var stringCache: [Int64: String] = [:]
        var inputCache: [Int64: String] = [:]

        func lookUp(_ id: Int64, _ statement: Statement, in cache: inout [Int64: String]) throws -> String {
            if let known = cache[id] { return known }
            statement.bind(id, at: 1)
            defer { statement.reset() }
            guard try statement.step(), let value = statement.text(0) else {
                throw StoreError.corrupt("\(statement === strings ? "string" : "input") \(id) is missing")
            }
            if cache.count > 1 << 20 { cache.removeAll(keepingCapacity: true) }
            cache[id] = value
            return value
        }

        while try blocks.step() {
            let id = blocks.int64(0)
            var batch = EventBatch()
            var interned: [String: StringIndex] = [:]
            func intern(_ value: String?) -> StringIndex {
                guard let value else { return .none }
                if let known = interned[value] { return known }
                let index = batch.appendString(value)
                interned[value] = index
                return index
            }
            // By the store's string id first: hashing an integer is cheaper than hashing the text.
            var internedIDs: [Int64: StringIndex] = [:]
            func string(_ column: Int32) throws -> StringIndex {
                guard !rows.isNull(column) else { return .none }
                let stringID = rows.int64(column)
                if let known = internedIDs[stringID] { return known }
                let index = intern(try lookUp(stringID, strings, in: &stringCache))
                internedIDs[stringID] = index
                return index
            }
            if withRaw {
                rawBlock.bind(id, at: 1)
                if try rawBlock.step() {
                    batch.raw = try decompressor.decompress(rawBlock.blob(0), codec: blocks.text(3) ?? "", size: Int(blocks.int64(4)))
                }
                rawBlock.reset()
            }
            rows.bind(blocks.int64(1), at: 1)
            rows.bind(blocks.int64(2), at: 2)
            rows.bind(id, at: 3)
            rows.bind(since?.microseconds ?? Int64.min, at: 4)
            rows.bind(until?.microseconds ?? Int64.max, at: 5)
            while try rows.step() {
                let key = batch.appendText(rows.text(0) ?? "")
                var row = EventRow(
                    key: key, keyHash: rows.int64(30),
                    source: EventCodes.value(rows.int64(1), as: EventSource.self) ?? .awsKMS,
                    time: Timestamp(microseconds: rows.int64(2)),
                    eventClass: EventCodes.value(rows.int64(4), as: EventClass.self) ?? .other,
                    outcome: EventCodes.value(rows.int64(5), as: Outcome.self) ?? .failed)
                row.operation = try string(3)
                row.status = rows.int(6)
                row.errorCode = try string(7)
                row.reason = rows.isNull(8) ? nil : EventCodes.value(rows.int64(8), as: DenialReason.self)
                row.principal = try string(9)
                row.principalType = rows.isNull(10) ? nil : EventCodes.value(rows.int64(10), as: PrincipalType.self)
                row.principalName = try string(11)
                row.appID = try string(12)
                row.session = rows.text(13).map { batch.appendText($0) } ?? .none
                row.newSession = rows.text(31).map { batch.appendText($0) } ?? .none
                row.namespace = try string(14)
                row.serviceAccount = try string(15)
                row.tenant = try string(16)
                row.account = try string(32)
                row.scope = try string(17)
                row.resource = try string(18)
                row.resourceType = EventCodes.value(rows.int64(19), as: ResourceType.self) ?? .none
                row.objectName = try string(20)
                row.resourceNamespace = try string(21)
                row.ip = intern(rows.text(22))
                row.userAgent = try string(23)
                row.region = try string(24)
                if let requestID = rows.text(25) { row.requestID = batch.appendText(requestID) }
                row.input = batch.inputIndex(try lookUp(rows.int64(26), inputs, in: &inputCache))
                row.inputOffset = rows.isNull(27) ? nil : rows.int64(27)
                row.raw = withRaw ? RawSpan(offset: Int(rows.int64(28)), length: Int(rows.int64(29))) : RawSpan(offset: 0, length: 0)
                batch.rows.append(row)
            }
            rows.reset()
            if !batch.rows.isEmpty { try body(batch, id) }
        }

    }
}
