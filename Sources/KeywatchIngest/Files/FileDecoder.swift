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
    private let members = GzipMemberInflater()

    /// Gzip files up to this size are read whole and inflated by libdeflate; bigger ones stream.
    public let wholeGzipLimit: Int

    public init(recordDecoder: RecordDecoder, chunkSize: Int = 1 << 20, wholeGzipLimit: Int = 32 << 20) {
        self.recordDecoder = recordDecoder
        self.chunkSize = chunkSize
        self.wholeGzipLimit = wholeGzipLimit
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
        return try decode(descriptor: descriptor, path: path, into: &batch, checkpoint: checkpoint, progress: progress)
    }

    /// Decodes the file open as `descriptor`, from its current position, as ``decode(path:into:checkpoint:progress:)``
    /// does; `path` names it in origins. The tailer reads the descriptor it checked rather than
    /// opening the path again.
    @discardableResult
    public func decode(
        descriptor: Int32,
        path: String,
        into batch: inout EventBatch,
        checkpoint handOff: (inout EventBatch) throws -> Void,
        progress: (Int) -> Void = { _ in }
    ) throws -> Bool {
        let input = InputDecoder(input: "file:\(path)", recordsOffsets: true, requireJSON: true, decoder: recordDecoder)
        var generation: Int64?
        /// Marks new rejects with this file's generation before they leave with a batch.
        func checkpoint(_ batch: inout EventBatch) throws {
            batch.stampRejects(of: input.input) {
                if generation == nil { generation = InputGeneration.of(descriptor: descriptor) }
                return generation
            }
            try handOff(&batch)
        }
        // The first chunk tells gzip from plain text (by content, never by name). It is small: plain
        // text is copied from it into the framer, while later chunks are read straight into the framer.
        let first = try readChunk(descriptor, path: path, limit: Self.firstChunkSize)
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

    /// Decodes a whole log file held in memory — an S3 object — as ``decode(path:into:checkpoint:progress:)``
    /// decodes a file: plain or gzip by its content, in pieces each followed by a checkpoint.
    /// `input` names it in origins (`s3://bucket/key`). Returns false when it is not a JSON log.
    @discardableResult
    public func decode(bytes: [UInt8], input name: String, into batch: inout EventBatch,
                       checkpoint: (inout EventBatch) throws -> Void) throws -> Bool {
        let input = InputDecoder(input: name, recordsOffsets: true, requireJSON: true, decoder: recordDecoder)
        try bytes.withUnsafeBytes { whole in
            if GzipInflater.isGzip(whole) {
                try decodeWholeGzip(whole, input: input, into: &batch, checkpoint: checkpoint)
                return
            }
            var offset = 0
            while offset < whole.count && input.beginsLikeJSON != false {
                let end = min(offset + Self.framerPiece, whole.count)
                input.framer.write(UnsafeRawBufferPointer(rebasing: whole[offset..<end]))
                input.drain(into: &batch)
                try checkpoint(&batch)
                offset = end
            }
        }
        input.finish(into: &batch)
        try checkpoint(&batch)
        return input.beginsLikeJSON != false
    }

    /// Enough to tell gzip from JSON, and little to copy.
    private static let firstChunkSize = 4096

    private func readChunk(_ descriptor: Int32, path: String, limit: Int? = nil) throws -> Int {
        let size = min(limit ?? chunkSize, chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, size) }
            if count >= 0 { return count }
            if errno != EINTR { throw FileReadError(path: path, reason: String(cString: strerror(errno))) }
        }
    }

    private func decodeGzip(
        _ descriptor: Int32, path: String, firstChunk: Int, input: InputDecoder, into batch: inout EventBatch,
        checkpoint: (inout EventBatch) throws -> Void, progress: (Int) -> Void
    ) throws {
        var status = stat()
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, Int(status.st_size) <= wholeGzipLimit {
            let whole = try readWhole(descriptor, path: path, firstChunk: firstChunk, expected: Int(status.st_size), progress: progress)
            try whole.withUnsafeBytes { file in try decodeWholeGzip(file, input: input, into: &batch, checkpoint: checkpoint) }
            return
        }
        let inflater = GzipInflater()
        var count = firstChunk
        while count > 0 {
            let more = try chunk.withUnsafeBytes { whole in
                try stream(UnsafeRawBufferPointer(rebasing: whole[0..<count]), through: inflater,
                           input: input, into: &batch, checkpoint: checkpoint, finished: false)
            }
            if !more { return }
            count = try readChunk(descriptor, path: path)
            progress(count)
        }
        do {
            try inflater.finish()
        } catch {
            input.reject(reason: "\(error)", at: input.framer.consumedOffset, into: &batch)
        }
    }

    /// Members libdeflate inflates whole; the first it cannot (too big, corrupt, truncated) and all
    /// after it stream through zlib, which names the problem.
    private func decodeWholeGzip(
        _ file: UnsafeRawBufferPointer, input: InputDecoder, into batch: inout EventBatch, checkpoint: (inout EventBatch) throws -> Void
    ) throws {
        var offset = 0
        while offset < file.count, let member = members.inflateMember(UnsafeRawBufferPointer(rebasing: file[offset...])) {
            offset += member.consumed
            var piece = 0
            while piece < member.output.count && input.beginsLikeJSON != false {
                let end = min(piece + Self.framerPiece, member.output.count)
                input.framer.write(UnsafeRawBufferPointer(rebasing: member.output[piece..<end]))
                input.drain(into: &batch)
                try checkpoint(&batch)
                piece = end
            }
            if input.beginsLikeJSON == false { return }
            // What follows the last member, if not another member, is ignored (as zlib does).
            if !GzipInflater.isGzip(UnsafeRawBufferPointer(rebasing: file[offset...])) { return }
        }
        // In pieces, each followed by a checkpoint: a small file can inflate to gigabytes, and
        // batches must go to the writer as they fill, not all at the end.
        let inflater = GzipInflater(startingAt: Int64(offset))
        while offset < file.count {
            let end = min(offset + Self.framerPiece, file.count)
            let going = try stream(UnsafeRawBufferPointer(rebasing: file[offset..<end]), through: inflater,
                                   input: input, into: &batch, checkpoint: checkpoint, finished: end == file.count)
            if !going { return }
            offset = end
        }
    }

    /// Output is handed to the framer in pieces of this size, decoded as it goes.
    private static let framerPiece = 256 << 10

    /// Streams `compressed` through `inflater` into the framer. Returns false when reading should
    /// stop: the data failed (the failure is rejected) or is not JSON. With `finished`, this is the
    /// end of the input, and a member left open is rejected as truncated.
    private func stream(
        _ compressed: UnsafeRawBufferPointer, through inflater: GzipInflater, input: InputDecoder, into batch: inout EventBatch,
        checkpoint: (inout EventBatch) throws -> Void, finished: Bool
    ) throws -> Bool {
        var failed = false
        // A checkpoint after each piece, not only after `compressed`: a quarter megabyte of it can
        // inflate to tens of megabytes, and a batch must not grow past its size on the way.
        var checkpointFailure: Error?
        do {
            try inflater.inflate(compressed) { write in
                _ = input.framer.write(upTo: Self.framerPiece) { write($0) }
                input.drain(into: &batch)
                do {
                    try checkpoint(&batch)
                } catch {
                    checkpointFailure = error
                    return false
                }
                return input.beginsLikeJSON != false  // not JSON: stop inflating at once
            }
            if checkpointFailure == nil && finished && input.beginsLikeJSON != false { try inflater.finish() }
        } catch {
            input.drain(into: &batch)
            input.reject(reason: "\(error)", at: input.framer.consumedOffset, into: &batch)
            failed = true
        }
        if let checkpointFailure { throw checkpointFailure }
        try checkpoint(&batch)
        return !failed && input.beginsLikeJSON != false
    }

    /// The whole file: the chunk already read, then the rest (which may differ from `expected` if
    /// the file is changing).
    private func readWhole(
        _ descriptor: Int32, path: String, firstChunk: Int, expected: Int, progress: (Int) -> Void
    ) throws -> [UInt8] {
        var whole = [UInt8]()
        whole.reserveCapacity(max(expected, firstChunk))
        whole.append(contentsOf: chunk[0..<firstChunk])
        while true {
            let count = try readChunk(descriptor, path: path)
            if count == 0 { return whole }
            progress(count)
            whole.append(contentsOf: chunk[0..<count])
        }
    }
}
