import Foundation

/// A rule's regular expression (`field|re: …`), matched with a bound on its work.
///
/// Every field a pattern is matched against comes from a log record, and a backtracking engine
/// can take exponential time on a crafted value: `(a|aa)+$` against 100 `a`s and a `b` would
/// pin the writer for good. ICU, the engine behind `NSRegularExpression`, reports progress at
/// each position it tries and every 10,000 steps of a long match; there the CPU time the match
/// has taken on its thread is read (every ``reportsBetweenLooks`` reports), and past
/// ``budget`` the match is abandoned. CPU time of the thread, not the wall clock, so a
/// match preempted on a busy machine is not cut short.
///
/// An abandoned match counts as no match — the event does not meet that condition — and is
/// counted here (``abandonedMatches``, with the last value's beginning), so the daemon reports
/// it in its log and in `/metrics`. Honest patterns finish long before: an unanchored search
/// through the longest value compared (8 KiB) takes under a millisecond.
///
/// ```swift
/// let agent = try BoundedPattern("^aws-sdk-(go|java)")
/// agent.matches("aws-sdk-go-v2/1.32.4")   // true
/// ```
public final class BoundedPattern: @unchecked Sendable {
    /// The pattern as written in the rule.
    public let source: String
    private let expression: NSRegularExpression
    /// The CPU time one match may take.
    public static let budget: Duration = .milliseconds(10)
    /// Progress reports between two readings of the thread's CPU time.
    static let reportsBetweenLooks = 32

    private let lock = NSLock()
    private var abandoned = 0
    private var lastAbandonedValue = ""

    /// Compiles `source`, case-insensitively as every string comparison of a rule is.
    /// - Throws: when `source` is not a regular expression.
    public init(_ source: String) throws {
        self.source = source
        expression = try NSRegularExpression(pattern: source, options: [.caseInsensitive])
    }

    /// Whether the pattern matches somewhere in `text`; false when the match was abandoned.
    public func matches(_ text: String) -> Bool {
        var found = false
        var gaveUp = false
        var reports = 0
        var deadline: Duration?
        let range = NSRange(text.startIndex..., in: text)
        expression.enumerateMatches(in: text, options: [.reportProgress], range: range) { match, flags, stop in
            if match != nil {
                found = true
                stop.pointee = true
                return
            }
            guard flags.contains(.progress) else { return }
            reports += 1
            guard reports % Self.reportsBetweenLooks == 0 else { return }
            let now = Self.threadCPUTime()
            guard let limit = deadline else {
                deadline = now + Self.budget
                return
            }
            if now > limit {
                gaveUp = true
                stop.pointee = true
            }
        }
        if gaveUp {
            lock.withLock {
                abandoned += 1
                lastAbandonedValue = String(text.prefix(80))
            }
        }
        return found
    }

    /// Matches given up so far, and the beginning of the last value one was given up on.
    public var abandonedMatches: (count: Int, lastValue: String) {
        lock.withLock { (abandoned, lastAbandonedValue) }
    }

    private static func threadCPUTime() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }
}
