import Foundation
import KeywatchCore

/// How hard a sink tries to deliver: the timeout of one attempt, how long an alert is retried,
/// how fast deliveries may go, and how far apart retries are.
public struct DeliveryPolicy: Sendable, Equatable {
    /// One attempt, connecting included, in seconds.
    public var timeout: Double
    /// Seconds after the alert's commit when a delivery still failing is given up.
    public var maximumAge: Double
    /// Deliveries a minute, in bursts of up to the same number.
    public var maximumPerMinute: Int
    /// PEM certificates to trust instead of the system's.
    public var caFile: String?
    /// The wait before the first retry, doubled for each further one (then jittered).
    public var firstRetry: Double
    /// The longest wait between retries.
    public var longestRetry: Double

    public init(timeout: Double = 10, maximumAge: Double = 86_400, maximumPerMinute: Int = 60, caFile: String? = nil,
                firstRetry: Double = 2, longestRetry: Double = 600) {
        self.timeout = timeout
        self.maximumAge = maximumAge
        self.maximumPerMinute = maximumPerMinute
        self.caFile = caFile
        self.firstRetry = firstRetry
        self.longestRetry = longestRetry
    }

    public init(_ delivery: DaemonConfiguration.Delivery) {
        self.init(timeout: delivery.timeout, maximumAge: Double(delivery.maximumAge.microseconds) / 1_000_000,
                  maximumPerMinute: delivery.maximumPerMinute, caFile: delivery.caFile)
    }

    /// The wait after the `attempts`-th failed attempt: exponential, capped, with "equal
    /// jitter" (between half and all of it) so that receivers coming back up are not hit by
    /// every retry at once. `unit` is a random number in 0..<1.
    public func retryDelay(afterAttempts attempts: Int, unit: Double = Double.random(in: 0..<1)) -> Double {
        let exponent = Double(min(max(attempts - 1, 0), 30))
        let ceiling = min(longestRetry, firstRetry * pow(2, exponent))
        return ceiling / 2 + ceiling / 2 * unit
    }
}
