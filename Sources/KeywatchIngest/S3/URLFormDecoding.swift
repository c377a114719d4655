/// The URL encoding of S3 event notifications' object keys: `%XX` for a byte, `+` for a space
/// (`red+flower.json` is `red flower.json`; a real `+` comes as `%2B`).
enum URLFormDecoding {
    /// The decoded text; nil when a `%` is not followed by two hex digits or the bytes are not
    /// UTF-8.
    static func decode(_ encoded: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.utf8.count)
        var iterator = encoded.utf8.makeIterator()
        func hex(_ byte: UInt8?) -> UInt8? {
            switch byte {
            case let byte? where byte >= 0x30 && byte <= 0x39: return byte - 0x30
            case let byte? where byte >= 0x41 && byte <= 0x46: return byte - 0x41 + 10
            case let byte? where byte >= 0x61 && byte <= 0x66: return byte - 0x61 + 10
            default: return nil
            }
        }
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = hex(iterator.next()), let low = hex(iterator.next()) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
