import Foundation

/// A token bucket: at most `perMinute` deliveries a minute, in bursts of up to `perMinute`.
struct RateLimit {
    private let capacity: Double
    private let perSecond: Double
    private var tokens: Double
    private var refilled: Date

    init(perMinute: Int, now: Date = Date()) {
        capacity = Double(max(perMinute, 1))
        perSecond = capacity / 60
        tokens = capacity
        refilled = now
    }

    /// Takes a token if one is there; otherwise how many seconds until one is.
    mutating func take(now: Date = Date()) -> TimeInterval? {
        tokens = min(capacity, tokens + now.timeIntervalSince(refilled) * perSecond)
        refilled = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / perSecond
    }
}
