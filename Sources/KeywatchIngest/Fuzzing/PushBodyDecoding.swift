import KeywatchCore

/// What the push receiver makes of a body handed over in pieces, for callers outside the HTTP
/// server: the `push-body` fuzz target and the tests that replay what it found (`Fuzz/`). It runs
/// ``PushBody`` exactly as `POST /v1/events` does, without a server.
public enum PushBodyDecoding {
    public enum Outcome: Sendable {
        /// The body was read: its batch and its size after decompression.
        case accepted(EventBatch, decompressedBytes: Int)
        /// Answered 413: more than `limit` bytes after decompression.
        case tooLarge(limit: Int)
        /// Answered 400: the gzip stream is corrupt or ends early.
        case badGzip(reason: String)
    }

    /// Decodes `pieces` as one body (`Content-Encoding: gzip` when `gzip`) under `limit` bytes.
    public static func decode(
        _ pieces: [ArraySlice<UInt8>], requestID: String, gzip: Bool, limit: Int, decoder: RecordDecoder
    ) -> Outcome {
        let body = PushBody(requestID: requestID, gzip: gzip, limit: limit, decoder: decoder)
        do throws(PushBody.Failure) {
            for piece in pieces {
                let written: Result<Void, PushBody.Failure> = piece.withUnsafeBytes { bytes in
                    Result { () throws(PushBody.Failure) in try body.write(bytes) }
                }
                try written.get()
            }
            try body.finish()
            return .accepted(body.batch, decompressedBytes: body.bytes)
        } catch {
            switch error {
            case .tooLarge(let limit): return .tooLarge(limit: limit)
            case .badGzip(let reason): return .badGzip(reason: reason)
            }
        }
    }
}
