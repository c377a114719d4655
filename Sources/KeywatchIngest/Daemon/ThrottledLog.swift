import Foundation
import Logging

/// Logs each kind of event at most once a minute, with how many happened since its last line,
/// so that a flood of them — connections, refused pushes — does not flood the log (/metrics
/// counts every one).
final class ThrottledLog: @unchecked Sendable {
    private let logger: Logger
    private let interval: TimeInterval
    private let lock = NSLock()
    private var lastLogged: [String: Date] = [:]
    private var unlogged: [String: Int] = [:]

    init(logger: Logger, interval: TimeInterval = 60) {
        self.logger = logger
        self.interval = interval
    }

    /// Counts `happened` events of `kind`, and logs `message` with the count when its minute is up.
    func warning(_ kind: String, _ message: @autoclosure () -> Logger.Message, metadata: Logger.Metadata = [:],
                 happened: Int = 1) {
        let count: Int? = lock.withLock {
            unlogged[kind, default: 0] += happened
            let now = Date()
            guard now.timeIntervalSince(lastLogged[kind] ?? .distantPast) >= interval else { return nil }
            lastLogged[kind] = now
            defer { unlogged[kind] = 0 }
            return unlogged[kind]
        }
        guard let count else { return }
        logger.warning(message(), metadata: metadata.merging(["count": "\(count)"]) { $1 })
    }
}
