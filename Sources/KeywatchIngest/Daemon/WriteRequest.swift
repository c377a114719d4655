import KeywatchCore
import KeywatchStore

/// Work for the daemon's writer: decoded events and what must commit with them.
public struct WriteRequest: Sendable {
    public var batch: EventBatch
    /// Tailing progress the events stand for: saved in their transaction, so a restart resumes
    /// exactly after them.
    public var files: [TailedFileChange]
    /// How far the inputs it comes from have delivered (detection's watermarks).
    public var inputs: [InputReport]
    /// Where cloud inputs stand after these events (an S3 listing's last key, Kafka offsets):
    /// saved in their transaction, so a restart resumes exactly after them.
    public var positions: [InputPosition]
    /// S3 objects these events are all of: recorded in their transaction, so an object named
    /// again is not read again.
    public var objects: [StoredObject]
    /// Whether the commit must be on disk before ``completion`` is called, power cut or not: the
    /// input then tells its source the events are kept (a queue message deleted), and cannot read
    /// them again.
    public var durable = false
    /// A pushed request's idempotency key and body: a retry with the same key and body stores
    /// nothing and is answered with the first answer; the same key with another body stores nothing.
    public var idempotency: PushIdempotency?
    /// Called on the writer thread once the transaction has committed (or failed).
    public var completion: (@Sendable (Result<PushAnswer, StoreError>) -> Void)?

    public init(batch: EventBatch, files: [TailedFileChange] = [], inputs: [InputReport] = [], positions: [InputPosition] = [],
                objects: [StoredObject] = [], idempotency: PushIdempotency? = nil,
                completion: (@Sendable (Result<PushAnswer, StoreError>) -> Void)? = nil) {
        self.batch = batch
        self.files = files
        self.inputs = inputs
        self.positions = positions
        self.objects = objects
        self.idempotency = idempotency
        self.completion = completion
    }
}

/// What a request tells of one input it comes from, for detection's watermarks.
public struct InputReport: Sendable, Equatable {
    public var input: String
    /// The newest time among the input's events in the request; nil when it brings none.
    public var newest: Timestamp?
    /// Whether the input had nothing more to deliver once it made the request.
    public var caughtUp: Bool

    public init(input: String, newest: Timestamp?, caughtUp: Bool) {
        self.input = input
        self.newest = newest
        self.caughtUp = caughtUp
    }
}
