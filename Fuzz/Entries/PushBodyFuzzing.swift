import KeywatchCore
import KeywatchIngest

/// Fuzz target `push-body`: the payload as the body of `POST /v1/events`, through ``PushBodyDecoding`` in
/// the pieces of ``FuzzInput/pieceSizes``, under a limit of 16 × byte 3 bytes (0: the default 10 MiB).
///
/// Header byte 0 (low two bits) picks what the body is:
/// - 0 or 3, plain: refused as too large exactly when it is over the limit, else decoded as the
///   same bytes decoded at once are.
/// - 1, `Content-Encoding: gzip` with the payload as the gzip stream: accepted within the limit, or refused.
/// - 2, the payload gzipped (level from byte 2): the same answer and events as the payload plain.
public enum PushBodyFuzzing {
    public static func run(_ bytes: [UInt8]) -> FuzzOutcome {
        let input = FuzzInput(bytes)
        let limit = input[3] == 0 ? 10 << 20 : Int(input[3]) * 16
        let decoder = RecordDecoder(inflate: GzipInflater.inflate)
        func push(_ body: [UInt8], gzip: Bool) -> Pushed {
            Pushed(FuzzInput.pieces(of: body, sizes: input.pieceSizes), gzip: gzip, limit: limit, decoder: decoder)
        }
        var violations: [String] = []
        let pushed: Pushed
        switch input[0] & 3 {
        case 1:
            pushed = push(input.payload, gzip: true)
            if case .accepted(_, let count) = pushed, count > limit {
                violations.append("a gzip body of \(count) bytes decompressed was accepted under a limit of \(limit)")
            }
        case 2:
            let level = Int32(input[2] % 10)
            pushed = push(input.payload, gzip: false)
            let gzip = push(gzipped(input.payload, level: level), gzip: true)
            switch (pushed, gzip) {
            case (.accepted(let plain, _), .accepted(let compressed, _)):
                if let difference = compressed.difference(from: plain, "gzipped at level \(level)", "plain") { violations.append(difference) }
            case (.tooLarge, .tooLarge):
                break
            default:
                violations.append("the body plain was \(pushed), gzipped at level \(level) \(gzip)")
            }
        default:
            pushed = push(input.payload, gzip: false)
            switch pushed {
            case .accepted(let contents, let count):
                if count != input.payload.count || count > limit {
                    violations.append("a plain body of \(input.payload.count) bytes was accepted as \(count) under a limit of \(limit)")
                }
                let whole = BatchContents(InputDecodingFuzzing.decodeStream([input.payload[...]], decoder: decoder, offsets: false))
                if let difference = contents.difference(from: whole, "in pieces", "whole") { violations.append(difference) }
            case .tooLarge:
                if input.payload.count <= limit {
                    violations.append("a plain body of \(input.payload.count) bytes was refused as over its limit of \(limit)")
                }
            case .badGzip(let reason):
                violations.append("a plain body was refused as bad gzip: \(reason)")
            }
        }
        if case .accepted(let contents, _) = pushed { violations += contents.violations }
        return FuzzOutcome(summary: "\(pushed)", violations: violations)
    }

    /// What the push receiver made of a body: its batch and decompressed size, or why it refused it.
    enum Pushed: CustomStringConvertible {
        case accepted(BatchContents, bytes: Int)
        case tooLarge(limit: Int)
        case badGzip(String)

        init(_ pieces: [ArraySlice<UInt8>], gzip: Bool, limit: Int, decoder: RecordDecoder) {
            switch PushBodyDecoding.decode(pieces, requestID: "fuzz", gzip: gzip, limit: limit, decoder: decoder) {
            case .accepted(let batch, let bytes): self = .accepted(BatchContents(batch), bytes: bytes)
            case .tooLarge(let limit): self = .tooLarge(limit: limit)
            case .badGzip(let reason): self = .badGzip(reason)
            }
        }

        var description: String {
            switch self {
            case .accepted(let contents, let bytes): "accepted \(bytes) bytes: \(contents.summary)"
            case .tooLarge(let limit): "refused: over the limit of \(limit) bytes"
            case .badGzip(let reason): "refused: \(reason)"
            }
        }
    }
}
