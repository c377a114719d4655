import Foundation

/// Write requests submitted and not yet committed: before partitions are handed to another
/// consumer, or the input stops, it waits until all are.
final class RequestsInFlight: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0

    func submitted() {
        condition.withLock { count += 1 }
    }

    func finished() {
        condition.withLock {
            count -= 1
            if count == 0 { condition.broadcast() }
        }
    }

    /// Returns once every request submitted has been committed (or failed).
    func waitForAll() {
        condition.withLock {
            while count > 0 { condition.wait() }
        }
    }
}
