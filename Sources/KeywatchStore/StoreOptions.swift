/// How a store's connection is tuned.
public struct StoreOptions: Sendable {
    /// Page size for a new store, in bytes (fixed once the store exists).
    public var pageSize: Int
    /// The page cache, in MiB: enough for the pages an append touches (the tails of the time
    /// indexes, the current leaves of the others). More did not make ingest faster — the
    /// operating system caches the file too — but 128 MiB of it was a quarter of the memory of
    /// an ingest of a million distinct principals.
    public var cacheMiB: Int
    /// Milliseconds to wait for another connection's lock.
    public var busyTimeoutMilliseconds: Int32
    /// Leave checkpoints to a ``WALCheckpointer`` instead of the commits that fill the log.
    public var backgroundCheckpoints: Bool
    /// Told before an existing store is migrated to a newer schema (from, to): a migration may
    /// rebuild indexes, which takes seconds to minutes on a large store.
    public var onUpgrade: (@Sendable (_ from: Int, _ to: Int) -> Void)?

    public init(pageSize: Int = 16384, cacheMiB: Int = 32, busyTimeoutMilliseconds: Int32 = 10_000, backgroundCheckpoints: Bool = false) {
        self.pageSize = pageSize
        self.cacheMiB = cacheMiB
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.backgroundCheckpoints = backgroundCheckpoints
    }
}
