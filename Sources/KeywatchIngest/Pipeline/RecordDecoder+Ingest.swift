import KeywatchCore
import KeywatchStore

extension RecordDecoder {
    /// A decoder for what ingest reads: gzip nested in records inflated by zlib, event times
    /// bounded by the wall clock at creation (a long-lived owner refreshes ``RecordDecoder/eventTimes``).
    static func forIngest(options: RecordDecoder.Options) -> RecordDecoder {
        let decoder = RecordDecoder(options: options, inflate: GzipInflater.inflate)
        decoder.eventTimes = EventTimeBounds(now: .now)
        return decoder
    }
}
