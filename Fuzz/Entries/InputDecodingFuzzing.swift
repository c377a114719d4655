import Foundation
import KeywatchCore
import KeywatchIngest

/// Fuzz target `input-decoding`: the payload decoded as keywatch decodes a tailed file, an
/// ingested file or a stream, two ways that must agree.
///
/// Header byte 0 picks the path (low two bits) and options:
/// - 0 or 3, a stream: ``InputDecoder`` fed in pieces (the sizes of ``FuzzInput/pieceSizes``) against
///   all at once; bit 3 asks for JSON at the start (as tailing does), mode 3 drops offsets (as HTTP does).
/// - 1, a file: ``FileDecoder`` on the payload as it is (gzip or not, by content) with its defaults
///   against small chunks and gzip streamed through zlib instead of inflated whole by libdeflate.
/// - 2, a gzip file: ``FileDecoder`` on the payload gzipped (level from byte 3) against the payload
///   plain (or, when the payload is gzip already, as mode 1).
///
/// Bit 2 sets small limits (record size, nesting depth, nested payload size, from byte 3), so
/// that every limit is reached by small inputs.
public enum InputDecodingFuzzing {
    public static func run(_ bytes: [UInt8]) -> FuzzOutcome {
        let input = FuzzInput(bytes)
        let decoder = RecordDecoder(options: options(input), inflate: GzipInflater.inflate)
        var mode = input[0] & 3
        // Gzip inside gzip is not a log keywatch reads (the inner stream does not begin like JSON):
        // such a payload is compared the way of mode 1 instead.
        if mode == 2 && input.payload.starts(with: [0x1F, 0x8B]) { mode = 1 }
        let (first, second, names): (BatchContents, BatchContents, (String, String))
        switch mode {
        case 1:
            // At least the two bytes of the gzip magic number, which the first chunk must hold.
            let chunk = 2 + Int(input[1])
            first = BatchContents(decodeFile(input.payload, decoder: FileDecoder(recordDecoder: decoder, chunkSize: 64 << 10)))
            second = BatchContents(decodeFile(input.payload, decoder: FileDecoder(recordDecoder: decoder, chunkSize: chunk, wholeGzipLimit: 0)))
            names = ("whole", "in chunks of \(chunk) bytes, gzip streamed")
        case 2:
            let level = Int32(input[3] % 10)
            first = BatchContents(decodeFile(gzipped(input.payload, level: level), decoder: FileDecoder(recordDecoder: decoder, chunkSize: 64 << 10)))
            second = BatchContents(decodeFile(input.payload, decoder: FileDecoder(recordDecoder: decoder, chunkSize: 64 << 10)))
            names = ("gzipped at level \(level)", "plain")
        default:
            let offsets = mode == 0
            let requireJSON = input[0] & 8 != 0
            first = BatchContents(decodeStream([input.payload[...]], decoder: decoder, offsets: offsets, requireJSON: requireJSON))
            second = BatchContents(decodeStream(FuzzInput.pieces(of: input.payload, sizes: input.pieceSizes),
                                                decoder: decoder, offsets: offsets, requireJSON: requireJSON))
            names = ("whole", "in pieces of \(input.pieceSizes) bytes")
        }
        var violations = first.violations + second.violations
        if let difference = first.difference(from: second, names.0, names.1) { violations.append(difference) }
        return FuzzOutcome(summary: first.summary, violations: violations)
    }

    /// The daemon's limits, or small ones (header bit 2) reached by small inputs.
    private static func options(_ input: FuzzInput) -> RecordDecoder.Options {
        guard input[0] & 4 != 0 else { return RecordDecoder.Options() }
        let size = Int(input[3])
        return RecordDecoder.Options(maximumRecordBytes: 64 + size * 32, maximumDepth: 1 + size % 16, maximumNestedPayloadBytes: 256 + size * 64)
    }

    /// Decodes `pieces` as one stream, draining after each.
    static func decodeStream(
        _ pieces: [ArraySlice<UInt8>], decoder: RecordDecoder, offsets: Bool, requireJSON: Bool = false
    ) -> EventBatch {
        let stream = InputDecoder(input: "file:fuzz", recordsOffsets: offsets, requireJSON: requireJSON, decoder: decoder)
        var batch = EventBatch()
        for piece in pieces {
            piece.withUnsafeBytes { stream.framer.write($0) }
            stream.drain(into: &batch)
        }
        stream.finish(into: &batch)
        return batch
    }

    /// Decodes `bytes` as a file, through a file of their own (parallel tests each have theirs).
    private static func decodeFile(_ bytes: [UInt8], decoder: FileDecoder) -> EventBatch {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keywatch-fuzz-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            fatalError("cannot write the fuzz input to \(path)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        var batch = EventBatch()
        do {
            try decoder.decode(path: path, into: &batch, checkpoint: { _ in })
        } catch {
            fatalError("cannot read the fuzz input back from \(path): \(error)")
        }
        return batch
    }
}
