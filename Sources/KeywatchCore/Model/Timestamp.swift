/// An instant in UTC with microsecond precision: the unit of event time.
///
/// Key Vault writes seven fraction digits, CloudTrail none, exports and hand-written logs other
/// layouts; ``init(parsing:)`` reads them all with a fixed-format parser (Foundation's
/// `ISO8601DateFormatter` manages ~11k timestamps/s and three fraction digits — far too slow and
/// too strict for ingest).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    public init(seconds: Int64) {
        self.microseconds = seconds * 1_000_000
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    public static func + (lhs: Timestamp, rhs: EventDuration) -> Timestamp {
        Timestamp(microseconds: lhs.microseconds &+ rhs.microseconds)
    }

    public static func - (lhs: Timestamp, rhs: EventDuration) -> Timestamp {
        Timestamp(microseconds: lhs.microseconds &- rhs.microseconds)
    }

    /// Whole seconds since the epoch (rounded down).
    public var seconds: Int64 { microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000 }

    /// RFC 3339 in UTC with six fraction digits: `2024-04-02T08:21:11.572290Z`.
    public var description: String { rfc3339 }

    /// RFC 3339 in UTC with six fraction digits.
    public var rfc3339: String {
        let secs = seconds
        let micros = Int(microseconds - secs * 1_000_000)
        let days = Int(secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400)
        let secondOfDay = Int(secs - Int64(days) * 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        // Written into the string's own storage: alerts carry several timestamps each, and an
        // array per field made this the largest part of writing an alert.
        return String(unsafeUninitializedCapacity: 27) { out in
            var at = 0
            func put(_ value: Int, _ width: Int) {
                var rest = value.magnitude
                for k in stride(from: at + width - 1, through: at, by: -1) {
                    out[k] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                at += width
            }
            func put(_ separator: Unicode.Scalar) {
                out[at] = UInt8(ascii: separator)
                at += 1
            }
            put(year, 4); put("-"); put(month, 2); put("-"); put(day, 2)
            put("T")
            put(secondOfDay / 3600, 2); put(":"); put(secondOfDay / 60 % 60, 2); put(":"); put(secondOfDay % 60, 2)
            put("."); put(micros, 6); put("Z")
            return at
        }
    }

    // MARK: - Parsing

    /// Parses `YYYY-MM-DD[T| ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]`, fraction of any length
    /// (truncated to microseconds), no zone meaning UTC; or a bare date `YYYY-MM-DD`.
    public init?(parsing text: String) {
        var text = text
        guard let value = text.withUTF8({ Timestamp(bytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = value
    }

    /// Parses the layouts of ``init(parsing:)`` from UTF-8 bytes.
    public init?(bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        guard count >= 10 else { return nil }
        @inline(__always) func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= count else { return nil }
            var v = 0
            for k in at..<(at + n) {
                let d = bytes[k] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            return v
        }
        guard let year = digits(0, 4), bytes[4] == UInt8(ascii: "-"), let month = digits(5, 2),
              bytes[7] == UInt8(ascii: "-"), let day = digits(8, 2),
              (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year), year >= 1900
        else { return nil }
        var hour = 0, minute = 0, second = 0, micros = 0, offsetSeconds = 0
        var i = 10
        if i < count {
            guard bytes[i] == UInt8(ascii: "T") || bytes[i] == UInt8(ascii: "t") || bytes[i] == UInt8(ascii: " "),
                  let h = digits(i + 1, 2), i + 3 < count, bytes[i + 3] == UInt8(ascii: ":"), let m = digits(i + 4, 2)
            else { return nil }
            hour = h
            minute = m
            i += 6
            if i < count, bytes[i] == UInt8(ascii: ":") {
                guard let s = digits(i + 1, 2) else { return nil }
                second = s
                i += 3
            }
            guard hour < 24, minute < 60, second <= 60 else { return nil }
            if second == 60 { second = 59 }  // a leap second: keep it inside its minute
            if i < count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: ",") {
                i += 1
                var place = 100_000
                let start = i
                while i < count, bytes[i].isASCIIDigit {
                    micros += Int(bytes[i] - UInt8(ascii: "0")) * place
                    place /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
            if i < count {
                switch bytes[i] {
                case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                    i += 1
                case UInt8(ascii: "+"), UInt8(ascii: "-"):
                    let sign = bytes[i] == UInt8(ascii: "-") ? -1 : 1
                    guard let oh = digits(i + 1, 2) else { return nil }
                    var om = 0
                    if i + 3 < count, bytes[i + 3] == UInt8(ascii: ":") {
                        guard let m = digits(i + 4, 2) else { return nil }
                        om = m
                        i += 6
                    } else if let m = digits(i + 3, 2) {
                        om = m
                        i += 5
                    } else {
                        i += 3
                    }
                    guard oh < 24, om < 60 else { return nil }
                    offsetSeconds = sign * (oh * 3600 + om * 60)
                default:
                    return nil
                }
            }
            guard i == count else { return nil }
        }
        let days = Self.days(fromCivil: year, month, day)
        let secs = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        self.microseconds = secs * 1_000_000 + Int64(micros)
    }

    /// A Unix time that may be in seconds or milliseconds (values past year 5138 in seconds are read as milliseconds);
    /// nil when it is not a finite number or lies beyond what microseconds in 64 bits hold (about ±292,000 years).
    public init?(epochNumber value: Double) {
        guard value.isFinite else { return nil }
        let micros = abs(value) >= 1e11 ? value * 1000 : value * 1_000_000
        // 2^63 is exactly representable; anything at or past it would trap in the conversion.
        guard micros > -0x1p63, micros < 0x1p63 else { return nil }
        microseconds = Int64(micros)
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian; Howard Hinnant's algorithms)

    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A span of event time, in microseconds.
public struct EventDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }
    public static func seconds(_ s: Int64) -> EventDuration { EventDuration(microseconds: s * 1_000_000) }
    public static func minutes(_ m: Int64) -> EventDuration { .seconds(m * 60) }
    public static func hours(_ h: Int64) -> EventDuration { .seconds(h * 3600) }
    public static func days(_ d: Int64) -> EventDuration { .seconds(d * 86_400) }

    public static func < (lhs: EventDuration, rhs: EventDuration) -> Bool { lhs.microseconds < rhs.microseconds }

    /// The longest duration keywatch reads: 100 years (`36500d`). Longer spans mean nothing for
    /// windows, retention or look-backs over event times, and bounding them keeps every sum of a
    /// time and a duration inside 64 bits.
    public static let maximum = EventDuration.days(36_500)

    /// Parses `90s`, `15m`, `24h`, `7d`, `2w` (and combinations such as `1h30m`); nil when the
    /// text is not a duration or is longer than ``maximum``. ``init(validating:)`` says which.
    public init?(parsing text: String) {
        guard let duration = try? EventDuration(validating: text) else { return nil }
        self = duration
    }

    /// Parses `90s`, `15m`, `24h`, `7d`, `2w` (and combinations such as `1h30m`), up to ``maximum``.
    public init(validating text: String) throws(DurationError) {
        let limitSeconds = EventDuration.maximum.microseconds / 1_000_000
        var total: Int64 = 0
        var number: Int64 = 0
        var sawDigit = false
        var sawUnit = false
        for char in text.lowercased() {
            if let d = char.wholeNumberValue, char.isASCII {
                number = number * 10 + Int64(d)
                sawDigit = true
                guard number <= limitSeconds else { throw .tooLong(text) }
                continue
            }
            guard sawDigit else { throw .malformed(text) }
            let unit: Int64
            switch char {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            case "w": unit = 604_800
            default: throw .malformed(text)
            }
            // Both factors are at most `limitSeconds` (about 3.2e9): the product and the sum fit in 64 bits.
            total += number * unit
            guard total <= limitSeconds else { throw .tooLong(text) }
            number = 0
            sawDigit = false
            sawUnit = true
        }
        guard sawUnit, !sawDigit else { throw .malformed(text) }
        microseconds = total * 1_000_000
    }

    /// The shortest of `45s`, `15m`, `24h`, `7d` that is exact, or a combination.
    public var description: String {
        var secs = microseconds / 1_000_000
        if secs == 0 { return "0s" }
        var parts = ""
        for (unit, suffix) in [(Int64(86_400), "d"), (3600, "h"), (60, "m"), (1, "s")] where secs >= unit {
            parts += "\(secs / unit)\(suffix)"
            secs %= unit
        }
        return parts
    }
}

/// Why a text is not a duration keywatch reads.
public enum DurationError: Error, Equatable, CustomStringConvertible {
    /// Not a number followed by a unit, such as `90s`, `15m`, `24h`, `7d` or `1h30m`.
    case malformed(String)
    /// Longer than ``EventDuration/maximum``.
    case tooLong(String)

    public var description: String {
        switch self {
        case .malformed(let text):
            return "'\(text.prefix(40))' is not a duration: expected a number and a unit (s, m, h, d, w), such as 90s, 15m, 24h or 7d"
        case .tooLong(let text):
            return "'\(text.prefix(40))' is longer than the longest duration keywatch reads, 36500d (100 years)"
        }
    }
}
