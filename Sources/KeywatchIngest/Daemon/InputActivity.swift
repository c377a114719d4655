/// What a cloud input (a queue, a listing, an event hub) has read since the daemon started, and
/// how far behind it is now: the `keywatch_input_*` families of `/metrics`.
public struct InputActivity: Sendable, Equatable {
    /// Queue or Kafka messages received.
    public var messages = 0
    /// Messages left without reading anything, by why (`test-event`, `digest`, `not-created`…).
    public var skippedMessages: [String: Int] = [:]
    /// S3 objects read whole.
    public var objects = 0
    /// Bytes fetched (as stored: compressed objects count compressed).
    public var bytes = 0
    /// How old the oldest message of the last receive was, in seconds (SQS); nil when unknown.
    public var lagSeconds: Double?
    /// Messages waiting to be read: SQS's approximate count of visible messages, or the Kafka
    /// consumer's lag over its partitions; nil when unknown.
    public var lagMessages: Int?

    public init() {}
}
