import CSQLite
import Foundation

extension ReadOnlySQL {
    /// What one statement may take before it is stopped.
    public struct Limits: Sendable {
        /// Wall-clock time, from the first step to the last row; nil for no limit. A recursive
        /// CTE without an end otherwise runs until killed.
        public var timeout: Duration?
        /// The longest string or blob the statement may make or read (`SQLITE_LIMIT_LENGTH`):
        /// `randomblob(1e9)` fails at once instead of taking a gigabyte.
        public var maximumValueBytes: Int32
        /// How far the store's write-ahead log may grow while the statement runs; nil for no
        /// limit. A reader's snapshot keeps the writer from restarting the log, so beside a busy
        /// daemon the log grows until the statement ends.
        public var maximumLogGrowth: Int64?

        public init(timeout: Duration? = .seconds(30), maximumValueBytes: Int32 = 256 << 20,
                    maximumLogGrowth: Int64? = 256 << 20) {
            self.timeout = timeout
            self.maximumValueBytes = maximumValueBytes
            self.maximumLogGrowth = maximumLogGrowth
        }
    }

    /// Stops a statement that runs past its ``Limits``, through SQLite's progress handler (called
    /// every few thousand virtual-machine steps), and says why.
    final class Budget {
        let limits: Limits
        /// The store's write-ahead log; nil when the statement runs on a copy.
        let log: String?
        private var deadline: ContinuousClock.Instant?
        private var logSizeAtStart: Int64 = 0
        private var nextLogLook = ContinuousClock.now
        /// Why the statement was stopped, once it was.
        private(set) var stopped: String?

        /// Virtual-machine steps between two calls of the handler: a few hundred microseconds.
        static let stepsBetweenChecks: Int32 = 10_000

        init(limits: Limits, log: String?) {
            self.limits = limits
            self.log = log
        }

        /// Starts the clock and notes the log's size, before the statement's first step.
        func start() {
            stopped = nil
            deadline = limits.timeout.map { ContinuousClock.now + $0 }
            logSizeAtStart = log.map(Self.size) ?? 0
            nextLogLook = ContinuousClock.now
        }

        /// True when the statement must stop now.
        func mustStop() -> Bool {
            if stopped != nil { return true }
            let now = ContinuousClock.now
            if let deadline, now >= deadline, let timeout = limits.timeout {
                stopped = "the statement ran longer than \(Self.describe(timeout)) and was stopped (--timeout): "
                    + "narrow it (a condition on time uses the time index), or allow more with --timeout"
                return true
            }
            if let log, let maximum = limits.maximumLogGrowth, now >= nextLogLook {
                nextLogLook = now + .milliseconds(100)
                let growth = Self.size(log) - logSizeAtStart
                if growth > maximum {
                    stopped = "the statement was stopped: while it ran, the store's write-ahead log grew by "
                        + "\(Self.mebibytes(growth)) (the limit is \(Self.mebibytes(maximum))), which the writer cannot reuse until it ends. "
                        + "Run it with --copy: it then reads a private copy of the store and holds nothing of the writer's"
                    return true
                }
            }
            return false
        }

        private static func size(_ path: String) -> Int64 {
            var info = stat()
            return stat(path, &info) == 0 ? Int64(info.st_size) : 0
        }

        private static func mebibytes(_ bytes: Int64) -> String {
            String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
        }

        private static func describe(_ duration: Duration) -> String {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
        }
    }
}
