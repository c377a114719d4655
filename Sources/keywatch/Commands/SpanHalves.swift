import KeywatchCore
import KeywatchStore

/// Reading a span of the store in two halves of event time at once, each on a connection and a
/// core of its own: the audit commands read most of a large store's rows, and one connection
/// reads them on one core.
enum SpanHalves {
    /// `read` of the older half of [`since`, `until`) on `reader`, and of the newer half on a
    /// second connection to `db` on another thread; both results, older first. The halves meet at
    /// the middle of the events' times within the span, so neither reads the other's rows.
    static func read<T: Sendable>(
        _ db: String, on reader: EventReader, since: Timestamp?, until: Timestamp?,
        _ read: @escaping @Sendable (EventReader, Timestamp?, Timestamp?) throws -> T
    ) throws -> (older: T, newer: T) {
        let oldest = try reader.oldestEventTime()
        let newest = try reader.newestEventTime()
        let start = max(since ?? oldest ?? .now, oldest ?? .now)
        let end = max(start, min(until ?? newest ?? start, newest ?? start))
        let middle = Timestamp(microseconds: start.microseconds / 2 + end.microseconds / 2)
        let newer = BackgroundValue { try read(EventReader(path: db), middle, until) }
        let older = try read(reader, since, middle)
        return (older, try newer.value())
    }
}
