import Crypto

/// Dedup keys for records that carry no id of their own.
///
/// Key Vault records have no id: the key is the SHA-256 of the record's canonical bytes — the
/// record with whitespace outside strings removed — so the same record re-ingested, or received
/// pretty-printed in a `records` array instead of as a JSON Lines line, is recognized.
public struct CanonicalKey {
    private var scratch: [UInt8] = []

    public init() {}

    /// Lower-case hex SHA-256 of the canonical form of the (valid JSON) `record`.
    public mutating func key(of record: UnsafeRawBufferPointer) -> String {
        String(decoding: hexDigest(of: record), as: UTF8.self)
    }

    /// The key of `record`, written to `batch`'s texts.
    mutating func appendKey(of record: UnsafeRawBufferPointer, to batch: inout EventBatch) -> TextSpan {
        let digest = hexDigest(of: record)
        return digest.withUnsafeBytes { batch.appendText($0) }
    }

    private mutating func hexDigest(of record: UnsafeRawBufferPointer) -> [UInt8] {
        scratch.removeAll(keepingCapacity: true)
        Self.appendCanonical(record, to: &scratch)
        let digest = scratch.withUnsafeBytes { SHA256.hash(data: $0) }
        return Self.hexBytes(digest)
    }

    /// Appends `record` without the whitespace outside its strings.
    static func appendCanonical(_ record: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        guard let base = record.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let end = record.count
        var i = 0
        var runStart = 0
        while i < end {
            let byte = base[i]
            if byte == UInt8(ascii: "\"") {
                // Copy the whole string, escapes included.
                var j = i + 1
                while true {
                    j = ByteScan.skipToQuoteOrBackslash(base, j, end)
                    if j >= end { break }
                    if base[j] == UInt8(ascii: "\\") { j += 2; continue }
                    break
                }
                i = min(j + 1, end)
                continue
            }
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                output.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart))
                i += 1
                runStart = i
                continue
            }
            i += 1
        }
        output.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: end - runStart))
    }

    static func hexBytes<D: Sequence>(_ bytes: D) -> [UInt8] where D.Element == UInt8 {
        let digits: StaticString = "0123456789abcdef"
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits.utf8Start[Int(byte >> 4)])
            out.append(digits.utf8Start[Int(byte & 0x0F)])
        }
        return out
    }
}
