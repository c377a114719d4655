import KeywatchCore

/// A UTC day of event time: the span of one partition of `events`.
public struct EventDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public var number: Int64

    public init(number: Int64) {
        self.number = number
    }

    /// The day `time` falls on.
    public init(_ time: Timestamp) {
        let day: Int64 = 86_400_000_000
        number = time.microseconds >= 0 ? time.microseconds / day : (time.microseconds - day + 1) / day
    }

    public static func < (lhs: EventDay, rhs: EventDay) -> Bool { lhs.number < rhs.number }

    /// Its first instant.
    public var start: Timestamp { Timestamp(seconds: number * 86_400) }

    /// `2026-11-20`.
    public var description: String { String(start.rfc3339.prefix(10)) }

    /// The partition's table: `events_20261120`.
    public var partitionName: String {
        "events_" + description.filter { $0 != "-" }
    }

    /// The day a partition's table name stands for, nil for another name.
    public init?(partitionName name: String) {
        let digits = name.dropFirst(7)
        guard name.hasPrefix("events_"), digits.count == 8, digits.allSatisfy(\.isASCII), Int(digits) != nil,
              let time = Timestamp(parsing: "\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.suffix(2))T00:00:00Z")
        else { return nil }
        self.init(time)
        guard partitionName == name else { return nil }  // 2026-02-30 parses as another day
    }
}
