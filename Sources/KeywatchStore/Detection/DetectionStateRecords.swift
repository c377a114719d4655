import KeywatchCore

/// Detection state as the store keeps it: the last raw block whose events it includes, and the
/// state itself — nil when it could not be read back (detection then starts afresh).
public struct SavedDetectionState: Sendable {
    public var state: DetectionState?
    public var block: Int64
}

extension EventStore {
    /// Saves detection state that includes the events of every raw block up to `block`, inside
    /// the current transaction, a chunk at a time.
    public func saveDetectionState(_ state: DetectionState, block: Int64, at now: Timestamp) throws(StoreError) {
        do {
            try connection.execute("DELETE FROM detection_state_chunks")
            let insertChunk = try connection.prepare("INSERT INTO detection_state_chunks(seq, data) VALUES (?1, ?2)")
            var sequence: Int64 = 0
            try state.encode { chunk in
                sequence += 1
                insertChunk.bind(sequence, at: 1)
                chunk.withUnsafeBytes { insertChunk.bind(blob: $0, at: 2) }
                _ = try insertChunk.step()
                insertChunk.reset()
            }
            let statement = try connection.prepare("""
                INSERT INTO detection_state(id, block, state, saved) VALUES (1, ?1, x'', ?2)
                ON CONFLICT(id) DO UPDATE SET block = excluded.block, state = excluded.state, saved = excluded.saved
                """)
            statement.bind(block, at: 1)
            statement.bind(now.microseconds, at: 2)
            _ = try statement.step()
        } catch {
            throw StoreError(error)
        }
    }

    /// The saved detection state and the last raw block it includes; nil when none was saved.
    public func detectionState() throws(StoreError) -> SavedDetectionState? {
        do {
            let saved = try connection.prepare("SELECT state, block FROM detection_state WHERE id = 1")
            guard try saved.step() else { return nil }
            let block = saved.int64(1)
            // Stores written before chunks kept the whole state in one blob.
            let whole = saved.blob(0)
            if !whole.isEmpty { return SavedDetectionState(state: try? DetectionState(decoding: whole), block: block) }
            var chunks = StoredChunks(statement: try connection.prepare("SELECT data FROM detection_state_chunks ORDER BY seq"))
            let state = try? DetectionState(chunks: &chunks)
            if let failure = chunks.failure { throw failure }
            return SavedDetectionState(state: state, block: block)
        } catch {
            throw StoreError(error)
        }
    }
}

/// The rows of a one-column blob query, read as they are needed; a read error ends them early
/// and is kept in `failure`.
private struct StoredChunks: IteratorProtocol {
    let statement: Statement
    var failure: SQLiteError?

    mutating func next() -> [UInt8]? {
        guard failure == nil else { return nil }
        do {
            return try statement.step() ? statement.blob(0) : nil
        } catch {
            failure = error
            return nil
        }
    }
}
