import Foundation

/// Copies the write-ahead log into the database on its own thread and connection.
///
/// SQLite otherwise checkpoints inside the commit that fills the log, on the writer's thread,
/// with an fsync; measured on a 485k-event backfill that was 1.4 s of the writer's 7.5 s.
/// Here most of that copying overlaps with the writer; the writer's own, rarer checkpoint
/// (``StoreOptions/backgroundCheckpoints``) then finds little left to copy.
///
/// And little left to sync: SQLite (3.40) syncs the database file only after a checkpoint that
/// reached the end of the log, which a log appended to all the time never lets it do, so the
/// pages copied here stayed unsynced until the writer's checkpoint waited on them (strace of a
/// 585k-event backfill: 6 syncs of the database, 0.60 s, on the writer). Syncing them here after
/// each copy left that at 0.12 s, and the writer's time off the processor 0.4 s shorter.
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
        var connection = try? SQLiteConnection(path: path)
        // Its own descriptor of the file, only to sync it: SQLite does not lend its own.
        let database = open(path, O_RDONLY | O_CLOEXEC)
        defer { if database >= 0 { close(database) } }
        connection?.setBusyTimeout(milliseconds: 1000)
        condition.lock()
        while !stopping {
            condition.unlock()
            try? connection?.execute("PRAGMA wal_checkpoint(PASSIVE)")
            if database >= 0 { _ = fdatasync(database) }
            condition.lock()
            if !stopping { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
        }
        condition.unlock()
        // A last full checkpoint, and the log truncated, so the store is one file again once the
        // store's own connection closes too: the last connection to close deletes the log and its
        // index, so this one closes here, before stop() returns, and cannot be the last.
        try? connection?.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection = nil
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
