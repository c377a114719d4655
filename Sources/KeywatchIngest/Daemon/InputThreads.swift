import Foundation
import Synchronization

/// The threads of a cloud input and how they are told to stop: each runs until ``isStopping``,
/// pausing between tries with ``pause(seconds:)``, which a stop cuts short.
final class InputThreads: @unchecked Sendable {
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// Threads started (by the one thread that starts and stops the input).
    private var started = 0

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Starts a thread named `name` running `body`.
    func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        started += 1
        let thread = Thread { [finished] in
            ThreadName.set(name)
            body()
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits `seconds`, or less when the input stops meanwhile.
    func pause(seconds: Double) {
        _ = wake.wait(timeout: .now() + seconds)
    }

    /// Tells every thread to stop, without waiting: for a thread that finds it cannot go on.
    func requestStop() {
        stopping.store(true, ordering: .relaxed)
    }

    /// Tells every thread to stop and returns when all have.
    func stop() {
        requestStop()
        for _ in 0..<started { wake.signal() }
        for _ in 0..<started { finished.wait() }
    }
}
