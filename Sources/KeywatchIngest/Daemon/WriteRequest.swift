import KeywatchCore
import KeywatchStore

/// Work for the daemon's writer: decoded events and what must commit with them.
public struct WriteRequest: Sendable {
    public var batch: EventBatch
    /// Tailing progress the events stand for: saved in their transaction, so a restart resumes
    /// exactly after them.
    public var files: [TailedFileChange]
    /// A pushed request's idempotency key and body: a retry with the same key and body stores
    /// nothing and is answered with the first answer; the same key with another body stores nothing.
    public var idempotency: PushIdempotency?
    /// Called on the writer thread once the transaction has committed (or failed).
    public var completion: (@Sendable (Result<PushAnswer, StoreError>) -> Void)?

    public init(batch: EventBatch, files: [TailedFileChange] = [], idempotency: PushIdempotency? = nil,
                completion: (@Sendable (Result<PushAnswer, StoreError>) -> Void)? = nil) {
        self.batch = batch
        self.files = files
        self.idempotency = idempotency
        self.completion = completion
    }
}
