import Foundation
import Testing
@testable import KeywatchIngest

@Suite("Bounded queue")
struct BoundedQueueTests {
    /// Set by the producer thread once its put returned.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    @Test("a producer of large items waits below its own limit while small ones still fit")
    func lowerLimit() throws {
        let queue = BoundedQueue<String>(capacity: 4)
        #expect(queue.put("tail 1", whenFewerThan: 2))
        #expect(queue.put("tail 2", whenFewerThan: 2))
        let returned = Flag()
        Thread { if queue.put("tail 3", whenFewerThan: 2) { returned.set() } }.start()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(!returned.isSet, "two wait: the third large item must wait")
        #expect(queue.tryPut("push 1"), "room for small items up to the capacity")

        #expect(queue.take() == "tail 1")
        Thread.sleep(forTimeInterval: 0.1)
        #expect(!returned.isSet, "still two waiting (tail 2, push 1)")
        #expect(queue.take() == "tail 2")
        let deadline = Date().addingTimeInterval(10)
        while !returned.isSet, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(returned.isSet)
        #expect(queue.takeAll(waitingUntil: Date()).items == ["push 1", "tail 3"])
    }
}
