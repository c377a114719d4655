/// A destination for alerts that the outbox delivers to: a webhook or an e-mail address list.
///
/// `deliver` blocks for one attempt (libcurl, bounded by the sink's timeout) and either
/// returns what the receiver answered or throws a ``DeliveryError`` saying whether to retry.
public protocol AlertSink: Sendable {
    /// The configured name, under which the outbox keeps its deliveries.
    var name: String { get }
    /// How hard the sink tries: timeout, maximum age, rate.
    var policy: DeliveryPolicy { get }
    /// Whether a delivery needs the alert's evidence events read from the store.
    var wantsEvidence: Bool { get }
    /// One attempt; `isCancelled` turns true when the daemon stops (the attempt is abandoned,
    /// the delivery stays pending).
    /// - Returns: the receiver's answer, for logs (`HTTP 202`, `250 queued`).
    func deliver(_ alert: OutgoingAlert, isCancelled: @escaping @Sendable () -> Bool) throws(DeliveryError) -> String
}

extension AlertSink {
    public var wantsEvidence: Bool { false }
}
