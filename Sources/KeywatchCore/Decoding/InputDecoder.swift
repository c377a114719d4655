/// Decodes one input — a file or an HTTP body — as its bytes arrive.
///
/// Write bytes to ``framer`` (or let a decompressor write into it), then ``drain(into:)``; at the
/// end of the input, ``finish(into:)``. Records become events, skips and rejects in the batch; each
/// carries its origin: `file:<path>@<offset>` (offset in the decompressed stream) or `http:<id>`.
public final class InputDecoder {
    /// `file:<path>` or `http:<request id>`.
    public let input: String
    public let framer: RecordFramer
    private let decoder: RecordDecoder
    private let recordsOffsets: Bool
    private let requireJSON: Bool
    /// Whether the input begins like JSON (`{` or `[`); nil until its first significant byte.
    public private(set) var beginsLikeJSON: Bool?

    /// - Parameters:
    ///   - recordsOffsets: whether origins carry byte offsets (files) or not (HTTP bodies).
    ///   - requireJSON: ignore an input that does not begin with `{` or `[` (a README beside the logs)
    ///     instead of rejecting it line by line; see ``beginsLikeJSON``.
    ///   - offset: where in the input the bytes written start (a tailed file resumed mid-way).
    public init(input: String, recordsOffsets: Bool, requireJSON: Bool = false, decoder: RecordDecoder, startingAt offset: Int64 = 0) {
        self.input = input
        self.recordsOffsets = recordsOffsets
        self.requireJSON = requireJSON
        self.decoder = decoder
        framer = RecordFramer(maximumRecordBytes: decoder.options.maximumRecordBytes, startingAt: offset)
    }

    /// Decodes every complete record written so far.
    public func drain(into batch: inout EventBatch) {
        guard shouldDecode(final: false) else { return }
        var handler = BatchHandler(decoder: decoder, input: input, recordsOffsets: recordsOffsets)
        swap(&handler.batch, &batch)
        framer.drain(&handler)
        swap(&handler.batch, &batch)
    }

    /// Decodes what is left at the end of the input, rejecting a record it stops inside.
    public func finish(into batch: inout EventBatch) {
        guard shouldDecode(final: true) else { return }
        var handler = BatchHandler(decoder: decoder, input: input, recordsOffsets: recordsOffsets)
        swap(&handler.batch, &batch)
        framer.finish(&handler)
        swap(&handler.batch, &batch)
    }

    /// False once the input is known not to begin like JSON. Until its first significant byte
    /// arrives the framer has only whitespace, which decoding consumes harmlessly.
    private func shouldDecode(final: Bool) -> Bool {
        guard requireJSON else { return true }
        if beginsLikeJSON == nil, let first = framer.firstSignificantByte {
            beginsLikeJSON = first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
        }
        return beginsLikeJSON != false
    }

    /// Decodes what the framer finds into a batch.
    private struct BatchHandler: RecordFramer.Handler {
        let decoder: RecordDecoder
        let recordsOffsets: Bool
        /// The origin of the record at hand: one value whose offset changes, not one made per
        /// record (each would retain and release the input's name).
        var origin: Origin
        var batch = EventBatch()

        init(decoder: RecordDecoder, input: String, recordsOffsets: Bool) {
            self.decoder = decoder
            self.recordsOffsets = recordsOffsets
            origin = Origin(input: input, offset: nil)
        }

        mutating func handle(_ output: RecordFramer.Output) {
            switch output {
            case .record(let record):
                origin.offset = recordsOffsets ? record.offset : nil
                decoder.decode(record, origin: origin, into: &batch)
            case .problem(let problem):
                origin.offset = recordsOffsets ? problem.offset : nil
                batch.rejects.append(Reject(origin: origin, reason: problem.reason, prefix: problem.prefix))
            }
        }

        mutating func leadingRecord(_ bytes: UnsafeRawBufferPointer, offset: Int64, container: RecordFramer.Container) -> Int? {
            origin.offset = recordsOffsets ? offset : nil
            return decoder.decodeLeading(bytes, container: container, origin: origin, into: &batch)
        }
    }

    /// Rejects the input from `offset` on, for a reason outside JSON (a corrupt or truncated gzip stream).
    public func reject(reason: String, at offset: Int64, into batch: inout EventBatch) {
        batch.rejects.append(Reject(origin: Origin(input: input, offset: recordsOffsets ? offset : nil), reason: reason, prefix: []))
    }
}
