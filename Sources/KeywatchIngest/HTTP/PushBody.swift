import Crypto
import KeywatchCore

/// Decodes a pushed body as it arrives — gzip or not — into a batch, holding the size limit on
/// the decompressed bytes while reading, so neither a lying `Content-Length` nor a gzip bomb
/// makes it buffer more than the limit. It digests the decompressed bytes as they pass, so the
/// same batch sent plain and gzipped has one digest (what an idempotency key is checked against).
final class PushBody {
    enum Failure: Error, Equatable {
        /// More than the limit (after decompression).
        case tooLarge(limit: Int)
        /// The gzip stream is corrupt or ends early.
        case badGzip(String)
    }

    private let input: InputDecoder
    private let inflater: GzipInflater?
    private let limit: Int
    private(set) var bytes = 0
    var batch = EventBatch()
    private var hasher = SHA256()

    /// - Parameters:
    ///   - requestID: the origin of its records and rejects: `http:<id>`.
    ///   - gzip: the body is `Content-Encoding: gzip`.
    init(requestID: String, gzip: Bool, limit: Int, decoder: RecordDecoder) {
        input = InputDecoder(input: "http:\(requestID)", recordsOffsets: false, decoder: decoder)
        inflater = gzip ? GzipInflater(maximumOutputBytes: Int64(limit)) : nil
        self.limit = limit
    }

    /// Takes the next piece of the body.
    func write(_ piece: UnsafeRawBufferPointer) throws(Failure) {
        guard let inflater else {
            bytes += piece.count
            if bytes > limit { throw .tooLarge(limit: limit) }
            hasher.update(bufferPointer: piece)
            input.framer.write(piece)
            input.drain(into: &batch)
            return
        }
        do {
            try inflater.inflate(piece) { write in
                bytes += input.framer.write(upTo: 256 << 10) { buffer in
                    let written = write(buffer)
                    hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<written]))
                    return written
                }
                input.drain(into: &batch)
                return true
            }
        } catch {
            if case .tooLarge = error.kind { throw .tooLarge(limit: limit) }
            throw .badGzip(error.description)
        }
    }

    /// The body ended: what is left is decoded.
    func finish() throws(Failure) {
        if let inflater {
            do { try inflater.finish() } catch { throw .badGzip(error.description) }
        }
        input.finish(into: &batch)
    }

    /// SHA-256 of the decompressed body, once it is finished.
    var digest: [UInt8] { Array(hasher.finalize()) }
}
