import Foundation
import ServiceLifecycle

/// A part of the daemon that runs on a thread of its own (the writer, the tailer), as a service
/// of the service group: started with the group, stopped in the group's shutdown order.
public struct ThreadService: Service {
    public let name: String
    private let start: @Sendable () -> Void
    private let stop: @Sendable () -> Void

    /// - Parameters:
    ///   - start: starts the thread; returns at once.
    ///   - stop: finishes the work under way and returns when the thread is done (it may block).
    public init(name: String, start: @escaping @Sendable () -> Void, stop: @escaping @Sendable () -> Void) {
        self.name = name
        self.start = start
        self.stop = stop
    }

    public func run() async throws {
        start()
        // Until the group shuts down (gracefully, or cancelled: either way stop cleanly).
        try? await gracefulShutdown()
        let stop = self.stop
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                stop()
                done.resume()
            }
            thread.name = "keywatch-stop"
            thread.start()
        }
    }
}
