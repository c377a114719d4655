import Foundation
import KeywatchCore

extension Timestamp {
    /// The wall clock: when a record was received, an alert raised, state saved. (Event time
    /// comes from the records; KeywatchCore, being pure, has no clock.)
    public static var now: Timestamp { Timestamp(Date()) }

    /// A wall-clock moment as a timestamp.
    public init(_ date: Date) {
        self.init(microseconds: Int64(date.timeIntervalSince1970 * 1_000_000))
    }

    /// The timestamp as a wall-clock moment (for waiting until it).
    public var date: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }
}
