import Foundation

/// The next offset of each partition, as committed in the store with the events before it:
/// read from the store when the daemon starts, moved on after each commit (on the writer
/// thread) and read when partitions are assigned (on the consumer's). Which of them Kafka has
/// not been told yet is kept too: Kafka's own commits only inform the group's next reader.
final class PartitionOffsets: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int32: Int64]
    private var untold: [Int32: Int64] = [:]

    /// - Parameter positions: the store's positions of the input (part: partition, position: next offset).
    init(positions: [String: String]) {
        stored = [:]
        for (part, position) in positions {
            if let partition = Int32(part), let offset = Int64(position), offset >= 0 { stored[partition] = offset }
        }
    }

    /// The store's next offset of `partition`; nil when nothing of it is stored.
    func stored(_ partition: Int32) -> Int64? {
        lock.withLock { stored[partition] }
    }

    /// The store's next offsets of `partitions` (those it has), now counted as told.
    func stored(of partitions: [Int32]) -> [Int32: Int64] {
        lock.withLock {
            var found: [Int32: Int64] = [:]
            for partition in partitions {
                untold.removeValue(forKey: partition)
                if let offset = stored[partition] { found[partition] = offset }
            }
            return found
        }
    }

    /// Offsets now committed in the store.
    func committed(_ offsets: [Int32: Int64]) {
        lock.withLock {
            for (partition, offset) in offsets where offset > stored[partition] ?? -1 {
                stored[partition] = offset
                untold[partition] = offset
            }
        }
    }

    /// The stored offsets Kafka has not been told of (of `partitions` only, when given), now counted as told.
    func takeUntold(of partitions: [Int32]? = nil) -> [Int32: Int64] {
        lock.withLock {
            guard let partitions else {
                defer { untold = [:] }
                return untold
            }
            var taken: [Int32: Int64] = [:]
            for partition in partitions { taken[partition] = untold.removeValue(forKey: partition) }
            return taken
        }
    }
}
