import Testing
import KeywatchTestSupport
@testable import KeywatchCore

@Suite("Timestamps")
struct TimestampTests {
    @Test("the layouts seen in real logs parse to the microsecond", arguments: [
        ("2024-04-02T08:21:11.5722907Z", "2024-04-02T08:21:11.572290Z"),   // Key Vault: 7 fraction digits
        ("2020-07-27T22:58:24Z", "2020-07-27T22:58:24.000000Z"),           // CloudTrail
        ("2025-03-05 21:19:44.000000000", "2025-03-05T21:19:44.000000Z"),  // exports without a zone
        ("2024-01-01 00:00:00.000", "2024-01-01T00:00:00.000000Z"),
        ("2021-10-19 00:56:05", "2021-10-19T00:56:05.000000Z"),
        ("2024-02-29T12:00:00+02:00", "2024-02-29T10:00:00.000000Z"),
        ("2024-02-29T12:00:00-0130", "2024-02-29T13:30:00.000000Z"),
        ("2024-02-29t12:00:00.5z", "2024-02-29T12:00:00.500000Z"),
        ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.000000Z"),
        ("1969-07-20T20:17:40Z", "1969-07-20T20:17:40.000000Z"),
        ("2026-11-22", "2026-11-22T00:00:00.000000Z"),
    ])
    func layouts(_ input: String, _ expected: String) {
        #expect(Timestamp(parsing: input)?.rfc3339 == expected)
    }

    @Test("impossible or malformed times are refused", arguments: [
        "", "2024", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-01-01T24:00:00Z",
        "2024-01-01T00:60:00Z", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00ZZ", "2024-01-01X00:00:00Z", "Oct 21, 2024, 2:25:29 PM",
        "2024-01-01T00:00:00+25:00", "１９９９-01-01",
    ])
    func refused(_ input: String) {
        #expect(Timestamp(parsing: input) == nil)
    }

    @Test("epoch numbers in seconds or milliseconds")
    func epochNumbers() {
        #expect(Timestamp(epochNumber: 1_700_000_000)?.rfc3339 == "2023-11-14T22:13:20.000000Z")
        #expect(Timestamp(epochNumber: 1_700_000_000_123)?.rfc3339 == "2023-11-14T22:13:20.123000Z")
    }

    @Test("formatting and parsing round-trip across centuries")
    func roundTrip() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let micros = Int64.random(in: -2_208_988_800_000_000...253_402_300_799_999_999, using: &random)
            let time = Timestamp(microseconds: micros)
            #expect(Timestamp(parsing: time.rfc3339) == time)
        }
    }

    @Test("durations: 90s, 15m, 24h, 7d, 1h30m")
    func durations() {
        #expect(EventDuration(parsing: "90s")?.microseconds == 90_000_000)
        #expect(EventDuration(parsing: "15m") == .minutes(15))
        #expect(EventDuration(parsing: "24h") == .hours(24))
        #expect(EventDuration(parsing: "7d") == .days(7))
        #expect(EventDuration(parsing: "1h30m") == .minutes(90))
        #expect(EventDuration(parsing: "15") == nil)
        #expect(EventDuration(parsing: "m") == nil)
        #expect(EventDuration(parsing: "5x") == nil)
        #expect(EventDuration.minutes(90).description == "1h30m")
    }
}
