import KeywatchCore
import KeywatchStore

/// Work for the daemon's writer: decoded events and what must commit with them.
public struct WriteRequest: Sendable {
    public var batch: EventBatch
    /// Tailing progress the events stand for: saved in their transaction, so a restart resumes
    /// exactly after them.
    public var files: [TailedFileChange]
    /// A pushed request's idempotency key: a retried request with the same key stores nothing
    /// and is answered with the first answer.
    public var idempotencyKey: String?
    /// Called on the writer thread once the transaction has committed (or failed).
    public var completion: (@Sendable (Result<PushOutcome, StoreError>) -> Void)?

    public init(batch: EventBatch, files: [TailedFileChange] = [], idempotencyKey: String? = nil,
                completion: (@Sendable (Result<PushOutcome, StoreError>) -> Void)? = nil) {
        self.batch = batch
        self.files = files
        self.idempotencyKey = idempotencyKey
        self.completion = completion
    }
}
