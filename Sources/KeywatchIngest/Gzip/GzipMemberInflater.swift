import CDeflate

/// Inflates whole gzip members held in memory with libdeflate: the fast path for the common
/// CloudTrail file, a few hundred kilobytes compressed.
///
/// Measured on the bench corpus (60 CloudTrail files, 186 MB inflated): libdeflate 850 MB/s,
/// zlib 388 MB/s — most of zlib's time being its table-driven CRC-32, which libdeflate computes
/// with carry-less multiplication. libdeflate needs the whole member and room for its whole
/// output, so output is capped; a member that does not fit, or does not inflate, is left to the
/// streaming ``GzipInflater``, which is the authority on errors and decompression bombs.
final class GzipMemberInflater {
    /// The most output one member may produce here; bigger members stream instead.
    let outputLimit: Int
    private let decompressor: OpaquePointer
    private var output: UnsafeMutableRawBufferPointer

    init(outputLimit: Int = 64 << 20) {
        self.outputLimit = outputLimit
        guard let decompressor = libdeflate_alloc_decompressor() else {
            fatalError("libdeflate could not allocate a decompressor: out of memory")
        }
        self.decompressor = decompressor
        output = .allocate(byteCount: 1 << 20, alignment: 64)
    }

    deinit {
        libdeflate_free_decompressor(decompressor)
        output.deallocate()
    }

    /// Room kept between members; more is given back when a smaller member comes.
    private static let keptRoom = 8 << 20

    /// A member inflated: how many compressed bytes it took, and its output (valid until the next call).
    struct Member {
        var consumed: Int
        var output: UnsafeRawBufferPointer
    }

    /// Inflates the gzip member at the start of `input`; nil when it is corrupt, truncated or too
    /// big for ``outputLimit`` (the caller then streams it, to learn which).
    func inflateMember(_ input: UnsafeRawBufferPointer) -> Member? {
        guard let base = input.baseAddress, input.count >= 18 else { return nil }
        // A single-member file's trailer gives its size (modulo 2³²): usually the exact room needed.
        let trailer = input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self).littleEndian
        // One that says it will not fit streams at once, without room made for it first.
        if Int(trailer) >= outputLimit { return nil }
        var room = max(output.count, Int(trailer) &+ 1)
        // Room a big member needed goes back once a smaller one comes.
        if output.count > Self.keptRoom && Int(trailer) < Self.keptRoom { room = max(1 << 20, Int(trailer) &+ 1) }
        while true {
            if room > outputLimit { room = outputLimit }
            if output.count != room && (output.count < room || output.count > Self.keptRoom) {
                output.deallocate()
                output = .allocate(byteCount: room, alignment: 64)
            }
            var consumed = 0
            var produced = 0
            let result = libdeflate_gzip_decompress_ex(
                decompressor, base, input.count, output.baseAddress, output.count, &consumed, &produced)
            switch result {
            case LIBDEFLATE_SUCCESS:
                return Member(consumed: consumed, output: UnsafeRawBufferPointer(rebasing: output[0..<produced]))
            case LIBDEFLATE_INSUFFICIENT_SPACE where output.count < outputLimit:
                room = output.count * 4
            default:
                return nil
            }
        }
    }
}
