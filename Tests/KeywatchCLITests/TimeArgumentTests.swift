import Testing
import KeywatchCore
@testable import keywatch

/// `--since` and `--until`: a time, or a span before now.
@Suite("Time arguments")
struct TimeArgumentTests {
    @Test("a time reads as itself; a duration as that long before now; anything else as nothing")
    func timesAndSpans() {
        let now = Timestamp(parsing: "2026-11-22T12:00:00Z")!
        #expect(TimeArgument.parse("15m", now: now)?.rfc3339 == "2026-11-22T11:45:00.000000Z")
        #expect(TimeArgument.parse("2026-11-01T00:00:00Z", now: now)?.rfc3339 == "2026-11-01T00:00:00.000000Z")
        #expect(TimeArgument.parse("yesterday", now: now) == nil)
    }

    @Test("a span of 100 years moves a time without overflow; past that the error says it is too long", arguments: [
        "999999999w", "36501d", "5215w", "3153600001s", "36500d1s", "99999999999999999999999h",
    ])
    func longSpans(_ text: String) throws {
        let now = try #require(Timestamp(parsing: "2026-12-07T00:00:00Z"))
        #expect(try TimeArgument.parseExplaining("36500d", now: now).rfc3339 == "1927-01-01T00:00:00.000000Z")
        #expect(TimeArgument.parse(text, now: Timestamp(microseconds: 0)) == nil)
        #expect(throws: DurationError.tooLong(text)) { try TimeArgument.parseExplaining(text, now: now) }
    }
}
