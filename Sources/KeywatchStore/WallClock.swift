import Foundation
import KeywatchCore

extension Timestamp {
    /// The wall clock: when a record was received, an alert raised, state saved. (Event time
    /// comes from the records; KeywatchCore, being pure, has no clock.)
    public static var now: Timestamp { Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000)) }
}
