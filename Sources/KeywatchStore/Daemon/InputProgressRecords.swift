import KeywatchCore

extension EventStore {
    /// How far each input had delivered when last saved (``InputProgress``, never caught up).
    public func inputProgress() throws(StoreError) -> [String: InputProgress] {
        do {
            let select = try connection.prepare("SELECT input, newest, delivered FROM input_progress")
            var progress: [String: InputProgress] = [:]
            while try select.step() {
                progress[select.text(0) ?? ""] = InputProgress(newest: Timestamp(microseconds: select.int64(1)),
                                                         deliveredAt: Timestamp(microseconds: select.int64(2)))
            }
            return progress
        } catch {
            throw StoreError(error)
        }
    }

    /// Saves how far `input` has delivered, inside the current transaction (the one holding the
    /// events that brought it there). Progress without an event yet is not saved.
    public func saveInputProgress(_ progress: InputProgress, of input: String) throws(StoreError) {
        guard let newest = progress.newest, let deliveredAt = progress.deliveredAt else { return }
        do {
            let upsert = try connection.prepare("""
                INSERT INTO input_progress(input, newest, delivered) VALUES (?1, ?2, ?3)
                ON CONFLICT(input) DO UPDATE SET newest = excluded.newest, delivered = excluded.delivered
                """)
            try upsert.run([.text(input), .integer(newest.microseconds), .integer(deliveredAt.microseconds)])
        } catch {
            throw StoreError(error)
        }
    }
}
