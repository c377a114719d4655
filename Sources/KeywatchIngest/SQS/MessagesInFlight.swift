import Foundation
import KeywatchCore

/// The queue messages an input has received and not yet deleted: how many of each one's objects
/// wait for their commit, and until when each stays hidden from other receivers.
///
/// A message is deleted only once every object it names is committed (or was read before); the
/// writer reports commits from its own thread, so the counts are kept under a lock.
final class MessagesInFlight: @unchecked Sendable {
    private struct Entry {
        var message: SQSMessage
        /// Objects not yet committed.
        var waiting: Int
        /// Whether every object has been handed to the writer (none is still to be read).
        var allHandedOver = false
        /// When it becomes visible to other receivers again.
        var hiddenUntil: Date
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    /// Messages received and not yet deleted or given back.
    var count: Int { lock.withLock { entries.count } }

    /// A message just received, hidden for `visibility` seconds from `now`.
    func received(_ message: SQSMessage, visibility: Int, at now: Date = Date()) {
        lock.withLock {
            entries[message.id] = Entry(message: message, waiting: 0, hiddenUntil: now.addingTimeInterval(Double(visibility)))
        }
    }

    /// One of its objects was handed to the writer; ``committed(_:)`` follows.
    func handedOver(_ id: String) {
        lock.withLock { entries[id]?.waiting += 1 }
    }

    /// Every object it names has been handed over (or was read before).
    func finished(_ id: String) {
        lock.withLock { entries[id]?.allHandedOver = true }
    }

    /// One of its objects is committed.
    func committed(_ id: String) {
        lock.withLock { entries[id]?.waiting -= 1 }
    }

    /// It will not be deleted now (given back to the queue, or deleted already).
    func forget(_ id: String) {
        _ = lock.withLock { entries.removeValue(forKey: id) }
    }

    /// The messages whose every object is committed, now forgotten: the caller deletes them.
    func takeDeletable() -> [SQSMessage] {
        lock.withLock {
            let done = entries.values.filter { $0.allHandedOver && $0.waiting == 0 }.map(\.message)
            for message in done { entries.removeValue(forKey: message.id) }
            return done
        }
    }

    /// The messages within half of `visibility` of becoming visible again, each now counted
    /// hidden for `visibility` more seconds: the caller extends them.
    func dueForExtension(visibility: Int, at now: Date = Date()) -> [SQSMessage] {
        lock.withLock {
            var due: [SQSMessage] = []
            for (id, entry) in entries where entry.hiddenUntil.timeIntervalSince(now) < Double(visibility) / 2 {
                entries[id]?.hiddenUntil = now.addingTimeInterval(Double(visibility))
                due.append(entry.message)
            }
            return due
        }
    }
}
