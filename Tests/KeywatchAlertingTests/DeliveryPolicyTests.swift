import Foundation
import Testing
@testable import KeywatchAlerting

@Suite("Delivery policy, rate limit and message encoding")
struct DeliveryPolicyTests {
    @Test("retry waits double from the first, capped, each between half and all of its ceiling")
    func backoff() {
        let policy = DeliveryPolicy(firstRetry: 2, longestRetry: 600)
        #expect(policy.retryDelay(afterAttempts: 1, unit: 0) == 1)
        #expect(policy.retryDelay(afterAttempts: 1, unit: 0.999_999) < 2)
        #expect(policy.retryDelay(afterAttempts: 4, unit: 0) == 8)
        #expect(policy.retryDelay(afterAttempts: 20, unit: 0) == 300)
        #expect(policy.retryDelay(afterAttempts: 1_000, unit: 0.5) == 450)
        let spread = Set((0..<50).map { _ in policy.retryDelay(afterAttempts: 3) })
        #expect(spread.count > 1 && spread.allSatisfy { (4.0..<8.0).contains($0) })
    }

    @Test("Retry-After: seconds or an HTTP date; nonsense is ignored")
    func retryAfter() {
        #expect(RetryAfter.seconds("120") == 120)
        #expect(RetryAfter.seconds(" 0 ") == 0)
        #expect(RetryAfter.seconds("-5") == nil)
        #expect(RetryAfter.seconds("soon") == nil)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inAMinute = formatter.string(from: Date().addingTimeInterval(60))
        let seconds = RetryAfter.seconds(inAMinute) ?? -1
        #expect(seconds > 55 && seconds <= 60)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT") == 0)
    }

    @Test("the token bucket lets a burst of the limit through, then one per 60/limit seconds")
    func tokenBucket() {
        let start = Date()
        var rate = RateLimit(perMinute: 3, now: start)
        #expect(rate.take(now: start) == nil)
        #expect(rate.take(now: start) == nil)
        #expect(rate.take(now: start) == nil)
        let wait = rate.take(now: start)
        #expect(wait != nil && abs(wait! - 20) < 0.001)
        #expect(rate.take(now: start.addingTimeInterval(19)) != nil)
        #expect(rate.take(now: start.addingTimeInterval(20.1)) == nil)
    }

    @Test("quoted-printable: lines of at most 76 characters, `=` and controls encoded, a trailing space kept visible")
    func quotedPrintable() {
        let long = String(repeating: "é=x ", count: 40) + " "
        let encoded = EmailMessage.quotedPrintable(long)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        #expect(encoded.hasSuffix("=20"))
        #expect(!encoded.contains("=x"))
        #expect(EmailMessage.quotedPrintable(".starts with a dot") == ".starts with a dot")
    }

    @Test("header text: controls and line breaks become single spaces, long titles are cut")
    func headerText() {
        #expect(EmailMessage.headerText("a\r\nBcc: x\u{85}y\u{2028}z\t\tw", limit: 100) == "a Bcc: x y z w")
        #expect(EmailMessage.headerText(String(repeating: "k", count: 300), limit: 200).count == 200)
        #expect(EmailMessage.encodedHeader("plain ASCII") == "plain ASCII")
        let encoded = EmailMessage.encodedHeader(String(repeating: "ü", count: 40))
        #expect(encoded.components(separatedBy: "\r\n ").allSatisfy { $0.hasPrefix("=?UTF-8?B?") && $0.utf8.count <= 75 })
    }
}
