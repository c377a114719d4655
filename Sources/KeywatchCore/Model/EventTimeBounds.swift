/// The event times keywatch keeps: from the Unix epoch to a day after the wall clock.
///
/// Every record's time is attacker-controlled. One event dated 9999-12-31 would become its
/// group's newest event and make every real event after it "late", so a real denial burst would
/// raise nothing; a time before 1970 names no log these services ever wrote. Records dated
/// outside the bounds are rejected with the reason, like any other unusable record. The day of
/// allowance covers clocks that run ahead and time zones written wrongly.
///
/// Core reads no clock: the ingest layer makes bounds from the wall clock
/// (``init(now:)``) and refreshes them as it runs.
///
/// ```swift
/// let decoder = RecordDecoder()
/// decoder.eventTimes = EventTimeBounds(now: Timestamp(microseconds: 1_796_000_000_000_000))
/// ```
public struct EventTimeBounds: Sendable, Equatable {
    /// 1970-01-01T00:00:00Z.
    public static let earliest = Timestamp(microseconds: 0)
    /// How far past the wall clock an event may be dated.
    public static let futureAllowance = EventDuration.days(1)
    /// No upper bound but the calendar's (9999-12-31): for decoding without a clock (rule tests, tools).
    public static let anyTimeSinceEpoch = EventTimeBounds(latest: Timestamp(microseconds: 253_402_300_799_999_999))

    /// The latest event time accepted.
    public var latest: Timestamp

    /// Bounds for a wall clock reading `now`: up to ``futureAllowance`` after it.
    public init(now: Timestamp) {
        latest = now + Self.futureAllowance
    }

    /// Bounds up to `latest`, whatever the clock.
    public init(latest: Timestamp) {
        self.latest = latest
    }

    /// Why an event at `time` is not kept, or nil when it is; `field` names where the time was read
    /// and `written` is the time as the record wrote it.
    func rejection(of time: Timestamp, field: String, written: @autoclosure () -> String) -> String? {
        if time < Self.earliest {
            return "\(field) \(written()) is before 1970-01-01T00:00:00Z, the earliest event time kept"
        }
        if latest < time {
            // The same whenever it is read, so that a file read again stores its reject once.
            return "\(field) \(written()) is more than a day after the wall clock"
        }
        return nil
    }

    /// The time of an event read from `value`, or the reason its record is rejected.
    func eventTime(_ value: JSONValue, field: String) -> Result<Timestamp, TimeRejection> {
        guard let time = CloudTrailNormalizer.timestamp(value) else {
            return .failure(TimeRejection(reason: "\(field) is not a timestamp: \(CloudTrailNormalizer.excerpt(value))"))
        }
        if let reason = rejection(of: time, field: field, written: CloudTrailNormalizer.excerpt(value)) {
            return .failure(TimeRejection(reason: reason))
        }
        return .success(time)
    }
}

/// A record's time that keywatch does not keep, and why.
struct TimeRejection: Error {
    var reason: String
}
