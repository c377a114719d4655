import Foundation
import KeywatchCore

extension EventTimeBounds {
    /// Bounds for the wall clock as it reads now: event times up to a day after it.
    public static func fromWallClock() -> EventTimeBounds {
        EventTimeBounds(now: Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000)))
    }
}

extension RecordDecoder {
    /// A decoder for what ingest reads: gzip nested in records inflated by zlib, event times
    /// bounded by the wall clock at creation (a long-lived owner refreshes ``RecordDecoder/eventTimes``).
    static func forIngest(options: RecordDecoder.Options) -> RecordDecoder {
        let decoder = RecordDecoder(options: options, inflate: GzipInflater.inflate)
        decoder.eventTimes = .fromWallClock()
        return decoder
    }
}
