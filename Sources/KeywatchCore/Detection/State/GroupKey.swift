import Crypto

/// A group's identity in a rule's state: its values (absent as empty), joined so that they can
/// be read back — a value may contain any character, so each is prefixed by its length.
enum GroupKey {
    static func make(_ values: [String]) -> String {
        if values.count == 1 { return values[0] }
        // Written straight into the string's storage: the values are valid UTF-8 and so is what
        // joins them, so nothing needs an intermediate array or a second validation.
        let capacity = values.reduce(0) { $0 + $1.utf8.count + 21 }
        return String(unsafeUninitializedCapacity: capacity) { buffer in
            var position = 0
            for var value in values {
                position = appendDecimal(value.utf8.count, to: buffer, at: position)
                buffer[position] = UInt8(ascii: ":")
                position += 1
                position = value.withUTF8 { bytes in
                    guard let base = bytes.baseAddress, bytes.count > 0 else { return position }
                    (buffer.baseAddress! + position).initialize(from: base, count: bytes.count)
                    return position + bytes.count
                }
            }
            return position
        }
    }

    /// Writes `number`'s decimal digits at `position`; returns the position after them.
    private static func appendDecimal(_ number: Int, to buffer: UnsafeMutableBufferPointer<UInt8>, at position: Int) -> Int {
        var divisor = 1
        while divisor <= number / 10 { divisor *= 10 }
        var position = position
        while divisor > 0 {
            buffer[position] = UInt8(ascii: "0") + UInt8(number / divisor % 10)
            position += 1
            divisor /= 10
        }
        return position
    }

    static func values(of key: String, count: Int) -> [String] {
        if count == 1 { return [key] }
        var values: [String] = []
        var rest = Substring(key)
        while values.count < count, let colon = rest.firstIndex(of: ":"), let length = Int(rest[..<colon]) {
            let utf8 = rest[rest.index(after: colon)...].utf8
            let end = utf8.index(utf8.startIndex, offsetBy: length, limitedBy: utf8.endIndex) ?? utf8.endIndex
            values.append(String(Substring(utf8[utf8.startIndex..<end])))
            rest = Substring(utf8[end...])
        }
        while values.count < count { values.append("") }
        return values
    }

    /// 64 bits of SHA-256 of a combination of values: first-seen sets keep these instead of the text.
    /// A cryptographic digest, not a fast hash: an attacker who could make an unseen combination
    /// collide with a learned one would hide it.
    static func digest64(_ key: String) -> UInt64 {
        id(key).high
    }

    /// The identity of the group of `key`: 128 bits of its SHA-256.
    static func id(_ key: String) -> GroupID {
        var key = key
        let digest = key.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return digest.withUnsafeBytes { bytes in
            GroupID(high: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)),
                    low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// An alert key: the rule, the group and the occasion (window, suppression period, event or
    /// silence), digested to 32 hex digits.
    static func alertKey(rule: String, group: String, occasion: String) -> String {
        var input = Array(rule.utf8)
        input.append(0)
        input += group.utf8
        input.append(0)
        input += occasion.utf8
        return String(decoding: CanonicalKey.hexBytes(SHA256.hash(data: input).prefix(16)), as: UTF8.self)
    }
}
