import Foundation

/// A blocking FIFO of limited depth between two threads: a full queue makes the producer wait,
/// which is how a slow writer slows decoding instead of letting memory grow.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Waits for room, then appends; returns false if the queue was closed.
    @discardableResult
    func put(_ item: Element) -> Bool {
        put(item, whenFewerThan: capacity)
    }

    /// Waits until fewer than `limit` items wait (and there is room), then appends; returns
    /// false if the queue was closed. A producer of large items keeps to a lower limit than
    /// the queue's capacity, leaving the rest to small ones.
    @discardableResult
    func put(_ item: Element, whenFewerThan limit: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= min(limit, capacity) && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Waits for an item; nil when the queue is closed and empty.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Appends only if there is room now; false when full or closed (an HTTP push then answers 503).
    func tryPut(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard items.count < capacity && !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Waits until `deadline` for items, then takes every item there is (possibly none).
    /// `closed` is true once the queue is closed and drained.
    func takeAll(waitingUntil deadline: Date) -> (items: [Element], closed: Bool) {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed {
            if !condition.wait(until: deadline) { break }
        }
        let taken = items
        items.removeAll()
        condition.broadcast()
        return (taken, closed && taken.isEmpty)
    }

    /// Items waiting.
    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }

    /// Whether an item waits for a taker: the taker is behind.
    var hasWaitingItems: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !items.isEmpty
    }

    /// No more items will be put; waiting takers drain what is left.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
