import CZlib

/// `bytes` as one gzip member compressed by zlib at `level` (0, stored, to 9), so that the
/// fuzzer's plain content also reaches keywatch through its gzip paths.
func gzipped(_ bytes: [UInt8], level: Int32) -> [UInt8] {
    var stream = z_stream()
    guard keywatch_deflate_init2(&stream, level, 15 + 16) == Z_OK else { fatalError("zlib deflateInit2 failed: out of memory") }
    defer { deflateEnd(&stream) }
    var member = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
    let count = bytes.withUnsafeBytes { source in
        member.withUnsafeMutableBytes { target in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(source.count)
            stream.next_out = target.baseAddress?.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(target.count)
            let code = deflate(&stream, Z_FINISH)
            guard code == Z_STREAM_END else { fatalError("zlib deflate ended with \(code) within deflateBound") }
            return target.count - Int(stream.avail_out)
        }
    }
    return Array(member[0..<count])
}
