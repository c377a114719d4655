import KeywatchCore

/// A batch ready for the writer: its raw records compressed into one block.
public struct PreparedBatch: Sendable {
    public var batch: EventBatch
    public var block: [UInt8]
    public var codec: String
    /// Workload sessions the batch taught, stored with it.
    public var sessions: [WorkloadAttribution.Session]

    public init(batch: EventBatch, compressor: RawBlockCompressor, sessions: [WorkloadAttribution.Session] = []) {
        self.init(batch: batch, block: batch.raw.isEmpty ? [] : compressor.compress(batch.raw), sessions: sessions)
    }

    /// A batch whose raw records `block` holds, compressed by a ``RawBlockCompressor``.
    public init(batch: EventBatch, block: [UInt8], sessions: [WorkloadAttribution.Session] = []) {
        self.batch = batch
        self.block = block
        codec = RawBlockCompressor.codec
        self.sessions = sessions
    }
}

/// What a write did.
public struct WriteResult: Sendable, Equatable {
    public var stored = 0
    public var duplicates = 0
    public var rejected = 0

    public init(stored: Int = 0, duplicates: Int = 0, rejected: Int = 0) {
        self.stored = stored
        self.duplicates = duplicates
        self.rejected = rejected
    }

    public static func += (lhs: inout WriteResult, rhs: WriteResult) {
        lhs.stored += rhs.stored
        lhs.duplicates += rhs.duplicates
        lhs.rejected += rhs.rejected
    }
}

/// What a batch's write did, row by row.
public struct BatchWriteResult: Sendable {
    public var counts = WriteResult()
    /// Positions (in the batch) of the rows that were new; the others were duplicates.
    public var newRows: [Int] = []
    /// The raw block the batch's new rows point to (`raw_blocks.id`); 0 when it had no rows.
    public var block: Int64 = 0
}
