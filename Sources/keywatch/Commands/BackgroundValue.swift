import Foundation

/// A value computed on a thread of its own while the caller does something else, waited for when
/// needed: two reads of the store on two connections take the longer one's time, not the sum.
final class BackgroundValue<Value: Sendable>: @unchecked Sendable {
    // Written once by the thread before `done` is signalled, read only after waiting on it.
    private var result: Result<Value, any Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.start()
    }

    /// The value, or the error computing it threw; waits for it.
    func value() throws -> Value {
        done.wait()
        done.signal()
        guard let result else { preconditionFailure("signalled before a result was set") }
        return try result.get()
    }
}
