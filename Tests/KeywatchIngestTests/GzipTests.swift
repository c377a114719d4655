import CZlib
import Foundation
import Testing
import KeywatchCore
@testable import KeywatchIngest

/// Compresses `data` as one gzip member with zlib.
func gzip(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
    var stream = z_stream()
    precondition(keywatch_deflate_init2(&stream, level, 15 + 16) == Z_OK)
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))) + 64)
    let written: Int = data.withUnsafeBytes { input in
        output.withUnsafeMutableBytes { out in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(input.count)
            stream.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(out.count)
            precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            return out.count - Int(stream.avail_out)
        }
    }
    return Array(output[0..<written])
}

/// A gzip member holding `prefix` then `count` copies of `filler`, compressed as it is produced.
func gzipBomb(prefix: [UInt8], filler: UInt8, count: Int) -> [UInt8] {
    var stream = z_stream()
    precondition(keywatch_deflate_init2(&stream, 9, 15 + 16) == Z_OK)
    defer { deflateEnd(&stream) }
    var result: [UInt8] = []
    var out = [UInt8](repeating: 0, count: 1 << 16)
    func feed(_ bytes: [UInt8], finish: Bool) {
        bytes.withUnsafeBytes { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(input.count)
            repeat {
                out.withUnsafeMutableBytes { buffer in
                    stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    stream.avail_out = UInt32(buffer.count)
                    _ = deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                    result.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
                }
            } while stream.avail_out == 0
        }
    }
    feed(prefix, finish: false)
    let block = [UInt8](repeating: filler, count: 1 << 20)
    for _ in 0..<(count >> 20) { feed(block, finish: false) }
    feed([], finish: true)
    return result
}

/// Inflates all of `compressed` with a fresh inflater, collecting the output.
func inflateAll(_ compressed: [UInt8], inflater: GzipInflater = GzipInflater()) throws -> [UInt8] {
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    try compressed.withUnsafeBytes { input in
        try inflater.inflate(input) { write in
            let n = chunk.withUnsafeMutableBytes { write($0) }
            output.append(contentsOf: chunk[0..<n])
            return true
        }
    }
    try inflater.finish()
    return output
}

@Suite("Gzip")
struct GzipTests {
    let text = Array(String(repeating: "{\"eventSource\":\"kms.amazonaws.com\"}\n", count: 2000).utf8)

    @Test("a stream inflates to what was compressed")
    func roundTrip() throws {
        #expect(try inflateAll(gzip(text)) == text)
    }

    @Test("multi-member streams are read to the end")
    func multiMember() throws {
        let first = Array(text[0..<1000]), second = Array(text[1000...])
        #expect(try inflateAll(gzip(first) + gzip(second)) == text)
    }

    @Test("a truncated stream: what came before is delivered, then an error says truncated")
    func truncated() throws {
        let compressed = gzip(text)
        let inflater = GzipInflater()
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        try Array(compressed[0..<(compressed.count * 2 / 3)]).withUnsafeBytes { input in
            try inflater.inflate(input) { write in
                let n = chunk.withUnsafeMutableBytes { write($0) }
                output.append(contentsOf: chunk[0..<n])
                return true
            }
        }
        #expect(!output.isEmpty && text.starts(with: output))
        #expect(throws: GzipError.self) { try inflater.finish() }
        do { try inflater.finish() } catch { #expect(error.description.hasPrefix("truncated gzip stream")) }
    }

    @Test("corrupt data is an error naming the offset")
    func corrupt() throws {
        var compressed = gzip(text)
        for index in 20..<40 { compressed[index] ^= 0xFF }
        do {
            _ = try inflateAll(compressed)
            Issue.record("corrupt data inflated")
        } catch let error as GzipError {
            if case .corrupt = error.kind {} else { Issue.record("expected corrupt, got \(error)") }
            #expect(error.description.contains("corrupt gzip data at compressed byte"))
        }
    }

    @Test("bytes after the last member that are not gzip are ignored")
    func trailingBytes() throws {
        let inflater = GzipInflater()
        #expect(try inflateAll(gzip(text) + [0, 0, 0, 0], inflater: inflater) == text)
        #expect(inflater.trailingGarbage)
    }

    @Test("a decompression bomb is stopped by the ratio guard, early")
    func bomb() throws {
        let bomb = gzipBomb(prefix: [], filler: 0, count: 256 << 20)
        #expect(bomb.count < 400_000)
        let inflater = GzipInflater(maximumRatio: 250, ratioFloorBytes: 16 << 20)
        var produced = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        do {
            try bomb.withUnsafeBytes { input in
                try inflater.inflate(input) { write in
                    produced += chunk.withUnsafeMutableBytes { write($0) }
                    return true
                }
            }
            Issue.record("the bomb inflated")
        } catch let error as GzipError {
            #expect(error.description.contains("decompresses more than 250:1"))
        }
        #expect(produced < 20 << 20)
    }

    @Test("a nested payload past its size limit is refused")
    func nestedLimit() throws {
        #expect(throws: GzipError.self) { try GzipInflater.inflate(gzip([UInt8](repeating: 65, count: 100_000)), limit: 50_000) }
        #expect(try GzipInflater.inflate(gzip(text), limit: text.count) == text)
    }
}
