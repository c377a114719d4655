import Testing
@testable import KeywatchCore

/// Numbers and times from records are attacker-controlled: every conversion is checked, and a
/// value out of range is refused instead of trapping.
@Suite("Hostile numbers and times")
struct HostileNumbersTests {
    @Test("epoch numbers beyond 64-bit microseconds, or not finite, are no timestamp", arguments: [
        1e16, 9.3e15, -9.3e15, 9_223_372_036_854_775_808, 1e300, -1e300, .infinity, -.infinity, .nan,
    ])
    func epochOutOfRange(_ value: Double) {
        #expect(Timestamp(epochNumber: value) == nil)
    }

    @Test("the largest epoch numbers that fit still read")
    func epochAtTheEdge() {
        #expect(Timestamp(epochNumber: 9.2e15)?.microseconds == 9_200_000_000_000_000_000)
        #expect(Timestamp(epochNumber: 99_999_999_999)?.microseconds == 99_999_999_999_000_000)
    }

    @Test("integers of any length: in range they read, past Int they are no integer", arguments: [
        ("9223372036854775807", Int?.some(.max)), ("-9223372036854775808", Int?.some(.min)),
        ("9223372036854775808", nil), ("-9223372036854775809", nil), ("9999999999999999999", nil),
        ("99999999999999999999", nil), ("123456789012345678901234567890", nil),
        ("00000000000000000403", 403), ("-0", 0), ("-", nil), ("", nil), ("40x", nil), ("--1", nil), ("1-", nil),
    ])
    func integers(_ text: String, _ expected: Int?) {
        var bytes = Array(text.utf8)
        #expect(bytes.withUnsafeMutableBytes { JSONValue.parseInteger(UnsafeRawBufferPointer($0)) } == expected)
    }

    @Test("a Key Vault status code of 19 or more digits is no status, and the record is kept", arguments: [
        "\"9999999999999999999\"", "9999999999999999999", "9223372036854775808", "-9223372036854775809",
    ])
    func hugeStatusCode(_ written: String) throws {
        let text = keyVault(properties: ["httpStatusCode": 0]).replacingOccurrences(of: "\"httpStatusCode\":0", with: "\"httpStatusCode\":\(written)")
        #expect(text.contains(written))
        let event = try #require(decodeEvent(text))
        #expect(event.status == nil)
    }

    @Test("a numeric event time too large for microseconds is rejected with a reason, for each source")
    func hugeNumericEventTime() {
        let ct = cloudTrail().replacingOccurrences(of: "\"eventTime\":\"2026-11-20T09:00:00Z\"", with: "\"eventTime\":1e16")
        #expect(decode(ct).rejects.map(\.reason) == ["CloudTrail eventTime is not a timestamp: 1e16"])
        let kv = keyVault().replacingOccurrences(of: "\"time\":\"2026-11-20T09:00:00.1234567Z\"", with: "\"time\":-9223372036854775808000")
        #expect(decode(kv).rejects.map(\.reason) == ["Key Vault time is not a timestamp: -9223372036854775808000"])
        let bridge = """
            {"version":"0","id":"e1","detail-type":"KMS CMK Rotation","source":"aws.kms","account":"111122223333",\
            "time":1e300,"region":"us-east-1","resources":["arn:aws:kms:us-east-1:111122223333:key/k"],"detail":{"key-id":"k"}}
            """
        #expect(decode(bridge).rejects.map(\.reason) == ["EventBridge time is not a timestamp: 1e300"])
    }

    @Test("event times before 1970 or more than a day after the wall clock are rejected with the reason")
    func eventTimeBounds() throws {
        let now = try #require(Timestamp(parsing: "2026-12-07T12:00:00Z"))
        let decoder = RecordDecoder()
        decoder.eventTimes = EventTimeBounds(now: now)
        func reasons(_ text: String) -> [String] {
            let stream = InputDecoder(input: "file:test", recordsOffsets: true, decoder: decoder)
            var batch = EventBatch()
            Array(text.utf8).withUnsafeBytes { stream.framer.write($0) }
            stream.finish(into: &batch)
            return batch.rejects.map(\.reason) + batch.rows.map { _ in "stored" }
        }
        #expect(reasons(cloudTrail(["eventTime": "9999-12-31T00:00:00Z"])) == [
            "CloudTrail eventTime \"9999-12-31T00:00:00Z\" is more than a day after the wall clock",
        ])
        #expect(reasons(keyVault(["time": "1969-12-31T23:59:59Z"])) == [
            "Key Vault time \"1969-12-31T23:59:59Z\" is before 1970-01-01T00:00:00Z, the earliest event time kept",
        ])
        // A numeric epoch of ±290,000 years reads as a time, and is out of bounds.
        let far = cloudTrail().replacingOccurrences(of: "\"eventTime\":\"2026-11-20T09:00:00Z\"", with: "\"eventTime\":9.2e15")
        #expect(reasons(far).first?.hasPrefix("CloudTrail eventTime 9.2e15 is more than a day after the wall clock") == true)
        // The edges: a day ahead of the clock and the epoch itself are kept.
        #expect(reasons(cloudTrail(["eventTime": "2026-12-08T12:00:00Z"])) == ["stored"])
        #expect(reasons(cloudTrail(["eventTime": "1970-01-01T00:00:00Z"])) == ["stored"])
        #expect(reasons(cloudTrail(["eventTime": "2026-12-08T12:00:01Z"])).first?.contains("more than a day after") == true)
    }

    @Test("durations are bounded at 100 years; past that the error says so", arguments: [
        "999999999w", "36501d", "5215w", "3153600001s", "36500d1s", "99999999999999999999999h", "1000000000000m",
    ])
    func durationsTooLong(_ text: String) {
        #expect(EventDuration(parsing: text) == nil)
        #expect(throws: DurationError.tooLong(text)) { try EventDuration(validating: text) }
    }

    @Test("the longest duration reads, and moves a time without overflow")
    func longestDuration() throws {
        #expect(EventDuration(parsing: "36500d") == .maximum)
        #expect(EventDuration(parsing: "3153600000s") == .maximum)
        let now = try #require(Timestamp(parsing: "2026-12-07T00:00:00Z"))
        #expect((now - .maximum).rfc3339 == "1927-01-01T00:00:00.000000Z")
        #expect(throws: DurationError.malformed("yesterday")) { try EventDuration(validating: "yesterday") }
    }

    @Test("configuration and rules name the key of a duration that is too long")
    func durationErrorsNameTheKey() {
        #expect(throws: ConfigurationProblems.self) { try DaemonConfiguration.parse("retention: 999999999w\n", file: "k.yaml") }
        do {
            _ = try DaemonConfiguration.parse("db: x.db\nretention: 999999999w\n", file: "k.yaml")
        } catch {
            #expect(error.description == "k.yaml:2: retention: '999999999w' is longer than the longest duration keywatch reads, 36500d (100 years)")
        }
    }
}
