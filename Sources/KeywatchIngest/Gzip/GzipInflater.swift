import CZlib

/// Why a gzip stream could not be read to its end.
public struct GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The input ends before the compressed data does.
        case truncated
        /// The compressed data is invalid.
        case corrupt(String)
        /// The data inflates more than the allowed ratio (or size): a decompression bomb.
        case tooLarge(String)
    }

    public var kind: Kind
    /// Compressed bytes consumed when the problem was found.
    public var compressedOffset: Int64

    public var description: String {
        switch kind {
        case .truncated: return "truncated gzip stream: the input ends before the compressed data does"
        case .corrupt(let message): return "corrupt gzip data at compressed byte \(compressedOffset): \(message)"
        case .tooLarge(let message): return "gzip stream rejected at compressed byte \(compressedOffset): \(message)"
        }
    }
}

/// A streaming gzip decompressor: multi-member streams, bounded output per call, and a guard
/// against decompression bombs (a ratio cap once the output is past a floor, and an optional size cap).
public final class GzipInflater {
    /// Output may exceed the compressed size by at most this factor (once past ``ratioFloorBytes``).
    public let maximumRatio: Int64
    /// Output below this size is never refused for its ratio.
    public let ratioFloorBytes: Int64
    /// An absolute cap on the output, if any.
    public let maximumOutputBytes: Int64?

    private var stream = z_stream()
    private var memberEnded = false
    private var started = false
    public private(set) var compressedIn: Int64 = 0
    public private(set) var decompressedOut: Int64 = 0
    /// Set when bytes that are not another gzip member follow the last member (they are ignored).
    public private(set) var trailingGarbage = false

    /// - Parameter startingAt: compressed bytes before this stream's input (members read elsewhere),
    ///   so that offsets in errors count from the start of the file.
    public init(maximumRatio: Int64 = 250, ratioFloorBytes: Int64 = 64 << 20, maximumOutputBytes: Int64? = nil, startingAt: Int64 = 0) {
        compressedIn = startingAt
        self.maximumRatio = maximumRatio
        self.ratioFloorBytes = ratioFloorBytes
        self.maximumOutputBytes = maximumOutputBytes
        let code = keywatch_inflate_init2(&stream, 15 + 16)
        precondition(code == Z_OK, "zlib inflateInit2 failed: out of memory")
    }

    deinit { inflateEnd(&stream) }

    /// True when `bytes` start with the gzip magic number.
    public static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates `input`, handing output to `sink` in pieces: `sink` must call `write` with a
    /// buffer, which it fills (returning how many bytes); `sink` returns false to stop early.
    public func inflate(
        _ input: UnsafeRawBufferPointer,
        into sink: (_ write: (UnsafeMutableRawBufferPointer) -> Int) -> Bool
    ) throws(GzipError) {
        guard !input.isEmpty else { return }
        var remaining = input
        while !remaining.isEmpty {
            if memberEnded {
                // Another member, or trailing bytes (often zero padding) that are not gzip.
                if remaining.count >= 2 && !(remaining[0] == 0x1F && remaining[1] == 0x8B) || remaining.count == 1 && remaining[0] != 0x1F {
                    trailingGarbage = true
                    compressedIn += Int64(remaining.count)
                    return
                }
                inflateReset(&stream)
                memberEnded = false
            }
            started = true
            stream.next_in = UnsafeMutablePointer(mutating: remaining.baseAddress!.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(min(remaining.count, Int(UInt32.max)))
            let before = Int(stream.avail_in)
            var code: Int32 = Z_OK
            repeat {
                var produced = 0
                let more = sink { buffer in
                    stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    stream.avail_out = UInt32(buffer.count)
                    code = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced = buffer.count - Int(stream.avail_out)
                    return produced
                }
                decompressedOut += Int64(produced)
                if !more {
                    compressedIn += Int64(before - Int(stream.avail_in))
                    return
                }
                let consumed = before - Int(stream.avail_in)
                let compressedSoFar = compressedIn + Int64(consumed)
                if code == Z_DATA_ERROR || code == Z_NEED_DICT || code == Z_STREAM_ERROR || code == Z_MEM_ERROR {
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(code)"
                    throw GzipError(kind: .corrupt(message), compressedOffset: compressedSoFar)
                }
                if let cap = maximumOutputBytes, decompressedOut > cap {
                    throw GzipError(kind: .tooLarge("it decompresses to more than \(cap) bytes"), compressedOffset: compressedSoFar)
                }
                if decompressedOut > ratioFloorBytes, decompressedOut > maximumRatio * max(compressedSoFar, 1) {
                    throw GzipError(
                        kind: .tooLarge("it decompresses more than \(maximumRatio):1 (a decompression bomb?)"),
                        compressedOffset: compressedSoFar)
                }
                if code == Z_STREAM_END { break }
                // Z_OK or Z_BUF_ERROR: go on while there is input or pending output.
                if stream.avail_in == 0 && stream.avail_out > 0 { break }
            } while true
            let consumed = before - Int(stream.avail_in)
            compressedIn += Int64(consumed)
            remaining = UnsafeRawBufferPointer(rebasing: remaining[consumed...])
            if code == Z_STREAM_END { memberEnded = true }
        }
    }

    /// Checks the end of the input: throws if it stopped inside a member.
    public func finish() throws(GzipError) {
        if started && !memberEnded { throw GzipError(kind: .truncated, compressedOffset: compressedIn) }
    }

    /// Inflates a whole in-memory gzip payload of at most `limit` bytes (CloudWatch Logs data).
    public static func inflate(_ compressed: [UInt8], limit: Int) throws -> [UInt8] {
        let inflater = GzipInflater(maximumRatio: Int64.max / 2, ratioFloorBytes: Int64(limit), maximumOutputBytes: Int64(limit))
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        try compressed.withUnsafeBytes { input in
            try inflater.inflate(input) { write in
                let written = chunk.withUnsafeMutableBytes { write($0) }
                output.append(contentsOf: chunk[0..<written])
                return true
            }
        }
        try inflater.finish()
        return output
    }
}
