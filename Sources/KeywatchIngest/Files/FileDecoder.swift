import Foundation
import KeywatchCore

/// An input file could not be read.
public struct FileReadError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Reads input files — plain or gzip, whatever their names say — and decodes them into batches.
///
/// Memory stays bounded whatever the file's size: it is read in chunks, decompressed in pieces
/// straight into the framer, and records are decoded as soon as they are complete.
public final class FileDecoder {
    public let recordDecoder: RecordDecoder
    public let chunkSize: Int
    private var chunk: [UInt8]

    public init(recordDecoder: RecordDecoder, chunkSize: Int = 1 << 20) {
        self.recordDecoder = recordDecoder
        self.chunkSize = chunkSize
        chunk = [UInt8](repeating: 0, count: chunkSize)
    }

    /// Decodes the file at `path` into `batch`, calling `checkpoint` after each chunk so the caller
    /// can hand off a batch that has grown large, and `progress` with the bytes read. Returns false
    /// when the file is not a JSON log (its content does not begin with `{` or `[`), and was skipped.
    @discardableResult
    public func decode(
        path: String,
        into batch: inout EventBatch,
        checkpoint: (inout EventBatch) throws -> Void,
        progress: (Int) -> Void = { _ in }
    ) throws -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let input = InputDecoder(input: "file:\(path)", recordsOffsets: true, requireJSON: true, decoder: recordDecoder)
        // The first chunk tells gzip from plain text (by content, never by name).
        let first = try readChunk(descriptor, path: path)
        guard first > 0 else {
            input.finish(into: &batch)
            return true
        }
        progress(first)
        let isGzip = chunk.withUnsafeBytes { GzipInflater.isGzip(UnsafeRawBufferPointer(rebasing: $0[0..<first])) }
        if isGzip {
            try decodeGzip(descriptor, path: path, firstChunk: first, input: input, into: &batch, checkpoint: checkpoint, progress: progress)
        } else {
            chunk.withUnsafeBytes { input.framer.write(UnsafeRawBufferPointer(rebasing: $0[0..<first])) }
            input.drain(into: &batch)
            try checkpoint(&batch)
            // Later chunks go straight into the framer's buffer.
            while true {
                var failure: Int32 = 0
                let count = input.framer.write(upTo: chunkSize) { buffer in
                    while true {
                        let n = read(descriptor, buffer.baseAddress, buffer.count)
                        if n < 0 && errno == EINTR { continue }
                        if n < 0 { failure = errno; return 0 }
                        return n
                    }
                }
                if failure != 0 { throw FileReadError(path: path, reason: String(cString: strerror(failure))) }
                if count == 0 { break }
                progress(count)
                input.drain(into: &batch)
                try checkpoint(&batch)
                if input.beginsLikeJSON == false { break }
            }
        }
        input.finish(into: &batch)
        try checkpoint(&batch)
        return input.beginsLikeJSON != false
    }

    private func readChunk(_ descriptor: Int32, path: String) throws -> Int {
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunkSize) }
            if count >= 0 { return count }
            if errno != EINTR { throw FileReadError(path: path, reason: String(cString: strerror(errno))) }
        }
    }

    private func decodeGzip(
        _ descriptor: Int32, path: String, firstChunk: Int, input: InputDecoder, into batch: inout EventBatch,
        checkpoint: (inout EventBatch) throws -> Void, progress: (Int) -> Void
    ) throws {
        let inflater = GzipInflater()
        var count = firstChunk
        var failed = false
        while count > 0 {
            if !failed {
                chunk.withUnsafeBytes { whole in
                    do {
                        try inflater.inflate(UnsafeRawBufferPointer(rebasing: whole[0..<count])) { write in
                            _ = input.framer.write(upTo: 256 << 10) { write($0) }
                            input.drain(into: &batch)
                            return input.beginsLikeJSON != false  // not JSON: stop inflating at once
                        }
                    } catch {
                        input.drain(into: &batch)
                        input.reject(reason: "\(error)", at: input.framer.consumedOffset, into: &batch)
                        failed = true
                    }
                }
                try checkpoint(&batch)
            }
            if input.beginsLikeJSON == false { break }
            count = try readChunk(descriptor, path: path)
            progress(count)
        }
        if !failed && input.beginsLikeJSON != false {
            do {
                try inflater.finish()
            } catch {
                input.reject(reason: "\(error)", at: input.framer.consumedOffset, into: &batch)
            }
        }
    }
}
