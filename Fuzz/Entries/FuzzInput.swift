/// A fuzz input of the binary targets: a few leading bytes (the header) choose how the rest (the
/// payload) is fed — which path, in pieces of which sizes, under which limits — so the fuzzer
/// explores those choices as it explores the content. A short input reads as zeros past its end.
///
/// Seeds are made by putting a header before a sample file (`Fuzz/make-seeds.sh`).
struct FuzzInput {
    static let headerCount = 4

    let header: [UInt8]
    let payload: [UInt8]

    init(_ bytes: [UInt8]) {
        let count = min(bytes.count, Self.headerCount)
        header = Array(bytes[0..<count]) + [UInt8](repeating: 0, count: Self.headerCount - count)
        payload = Array(bytes[count...])
    }

    /// Header byte `index` (0 to 3).
    subscript(index: Int) -> UInt8 { header[index] }

    /// `bytes` cut into pieces whose sizes cycle through `sizes` (each at least 1).
    static func pieces(of bytes: [UInt8], sizes: [Int]) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        var turn = 0
        while start < bytes.count {
            let end = min(bytes.count, start + max(1, sizes[turn % sizes.count]))
            pieces.append(bytes[start..<end])
            start = end
            turn += 1
        }
        return pieces
    }

    /// Piece sizes from header bytes 1 and 2: from a single byte (where a record's boundaries and
    /// escapes are cut everywhere) to a few kilobytes.
    var pieceSizes: [Int] { [1 + Int(header[1]), 1 + Int(header[2]) * 16, 1 + Int(header[1] ^ header[2]) % 7] }
}
