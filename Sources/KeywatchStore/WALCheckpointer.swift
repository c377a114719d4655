import Foundation

/// Copies the write-ahead log into the database on its own thread and connection.
///
/// SQLite otherwise checkpoints inside the commit that fills the log, on the writer's thread,
/// with an fsync; measured on a 485k-event backfill that was 1.4 s of the writer's 7.5 s.
/// Here most of that copying overlaps with the writer; the writer's own, rarer checkpoint
/// (``StoreOptions/backgroundCheckpoints``) then finds little left to copy.
public final class WALCheckpointer: @unchecked Sendable {
    private let path: String
    private let interval: TimeInterval
    private let condition = NSCondition()
    private var stopping = false
    private var stopped = false

    /// Starts checkpointing the store at `path` every `interval` seconds.
    public init(path: String, interval: TimeInterval = 0.25) {
        self.path = path
        self.interval = interval
        let thread = Thread { [self] in run() }
        thread.name = "keywatch-checkpointer"
        thread.start()
    }

    private func run() {
        let connection = try? SQLiteConnection(path: path)
        connection?.setBusyTimeout(milliseconds: 1000)
        condition.lock()
        while !stopping {
            condition.unlock()
            try? connection?.execute("PRAGMA wal_checkpoint(PASSIVE)")
            condition.lock()
            if !stopping { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
        }
        condition.unlock()
        // A last full checkpoint, and the log truncated, so the store is one file again.
        try? connection?.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops after a final checkpoint; returns when it is done.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }
}
