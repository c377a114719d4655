import Foundation
import KeywatchCore

/// The queue messages a receiver has received and not yet deleted or given back: how many of
/// each one's objects wait for their commit, and until when each stays hidden from other
/// receivers.
///
/// Entries are kept by receipt handle — one per delivery — so the commits of an earlier
/// delivery of a message given back and received again count for that earlier one only. A
/// message is deleted only once every object it names is committed (or was read before); the
/// writer reports commits from its own thread, so the counts are kept under a lock.
final class MessagesInFlight: @unchecked Sendable {
    private struct Entry {
        var message: SQSMessage
        /// Objects handed over and not yet committed (below zero for a moment when a commit
        /// comes before its hand-over is counted).
        var waiting: Int
        /// Whether every object has been handed to the writer (none is still to be read).
        var allHandedOver = false
        /// When it becomes visible to other receivers again.
        var hiddenUntil: Date
        /// When it was received: it is not kept hidden for ever.
        var receivedAt: Date
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// How long a message is kept hidden at most: past this, it is let go, to be received again
    /// (its objects are then found committed, or read again).
    let longestHold: TimeInterval

    init(longestHold: TimeInterval = 3600) {
        self.longestHold = longestHold
    }

    /// Messages received and not yet deleted or given back.
    var count: Int { lock.withLock { entries.count } }

    /// A message just received, hidden for `visibility` seconds from `now`.
    func received(_ message: SQSMessage, visibility: Int, at now: Date = Date()) {
        lock.withLock {
            entries[message.receiptHandle] = Entry(message: message, waiting: 0,
                                                   hiddenUntil: now.addingTimeInterval(Double(visibility)), receivedAt: now)
        }
    }

    /// One of its objects was handed to the writer; ``committed(_:)`` follows.
    func handedOver(_ message: SQSMessage) {
        lock.withLock { entries[message.receiptHandle]?.waiting += 1 }
    }

    /// Every object it names has been handed over (or was read before).
    func finished(_ message: SQSMessage) {
        lock.withLock { entries[message.receiptHandle]?.allHandedOver = true }
    }

    /// One of its objects is committed.
    func committed(_ message: SQSMessage) {
        lock.withLock { entries[message.receiptHandle]?.waiting -= 1 }
    }

    /// It will not be deleted by this delivery (given back to the queue).
    func forget(_ message: SQSMessage) {
        _ = lock.withLock { entries.removeValue(forKey: message.receiptHandle) }
    }

    /// The messages whose every object is committed, now forgotten: the caller deletes them.
    func takeDeletable() -> [SQSMessage] {
        lock.withLock {
            let done = entries.values.filter { $0.allHandedOver && $0.waiting == 0 }.map(\.message)
            for message in done { entries.removeValue(forKey: message.receiptHandle) }
            return done
        }
    }

    /// The messages within half of `visibility` of becoming visible again, each now counted
    /// hidden for `visibility` more seconds: the caller extends them. Those held longer than
    /// ``longestHold`` are left to reappear.
    func dueForExtension(visibility: Int, at now: Date = Date()) -> [SQSMessage] {
        lock.withLock {
            var due: [SQSMessage] = []
            for (handle, entry) in entries where entry.hiddenUntil.timeIntervalSince(now) < Double(visibility) / 2 {
                guard now.timeIntervalSince(entry.receivedAt) < longestHold else { continue }
                entries[handle]?.hiddenUntil = now.addingTimeInterval(Double(visibility))
                due.append(entry.message)
            }
            return due
        }
    }
}
