import Crypto

/// 64 bits of a dedup key, for the store's (time, key) index.
///
/// Keys as AWS and Azure make them are unpredictable — CloudTrail event ids are random UUIDs,
/// Key Vault keys are SHA-256 digests — so their own bits serve; any other key is hashed with
/// SHA-256. Two records collide only if they share the event time to the microsecond as well.
/// A pushed record's key is the pusher's choice, though: keys that share their leading digits
/// collide on purpose, and the store resolves that (``digest(_:)``).
public enum KeyHash {
    public static func of(_ key: String) -> Int64 {
        var key = key
        return key.withUTF8 { of(UnsafeRawBufferPointer($0)) }
    }

    public static func of(_ key: UnsafeRawBufferPointer) -> Int64 {
        if let value = ofCommonShape(key) { return Int64(bitPattern: value) }
        return ofAnyShape(key)
    }

    /// The value of ``ofAnyShape(_:)`` for the keys nearly every record has — a UUID in its
    /// 8-4-4-4-12 form (CloudTrail event ids), or 32 or 64 hexadecimal digits (Key Vault keys) —
    /// read eight digits at a time; nil for any other key, or a bad digit, which take the long way.
    @inline(__always)
    static func ofCommonShape(_ key: UnsafeRawBufferPointer) -> UInt64? {
        guard let base = key.baseAddress else { return nil }
        func word(_ offset: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        func half(_ offset: Int) -> UInt64 { UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        switch key.count {
        case 36:
            let dash = UInt8(ascii: "-")
            guard key[8] == dash, key[13] == dash, key[18] == dash, key[23] == dash,
                  let high = hexValue(word(0)), let low = hexValue(half(9) | half(14) << 32),
                  hexValue(half(19) | half(24) << 32) != nil, hexValue(word(28)) != nil
            else { return nil }
            return high << 32 | low
        case 32, 64:
            guard let high = hexValue(word(0)), let low = hexValue(word(8)) else { return nil }
            for offset in stride(from: 16, to: key.count, by: 8) where hexValue(word(offset)) == nil { return nil }
            return high << 32 | low
        default:
            return nil
        }
    }

    /// The number eight ASCII hexadecimal digits spell (the first byte of the little-endian
    /// `word` most significant); nil when any byte is not a digit of either case.
    @inline(__always)
    static func hexValue(_ word: UInt64) -> UInt64? {
        guard word & highBits == 0 else { return nil }
        let letter = ByteScan.bytes(in: word | caseBits, from: 0x61, through: 0x66)
        guard ByteScan.bytes(in: word, from: 0x30, through: 0x39) | letter == highBits else { return nil }
        // '0'…'9' → 0…9; 'a'…'f' and 'A'…'F' have 1…6 in their low nibble, and 9 more.
        let nibbles = (word & lowNibbles) &+ ((letter >> 7) &* 9)
        // Pairs of nibbles into bytes, bytes into a word, in the digits' order.
        var packed = (nibbles << 4 | nibbles >> 8) & 0x00FF_00FF_00FF_00FF
        packed = (packed | packed >> 8) & 0x0000_FFFF_0000_FFFF
        packed = (packed | packed >> 16) & 0xFFFF_FFFF
        return UInt64(UInt32(truncatingIfNeeded: packed).byteSwapped)
    }

    private static let highBits = ByteScan.highBits
    private static let caseBits: UInt64 = 0x2020_2020_2020_2020
    private static let lowNibbles: UInt64 = 0x0F0F_0F0F_0F0F_0F0F

    /// The first 16 hexadecimal digits of a key of 32 or 64 (dashes aside), else its SHA-256.
    static func ofAnyShape(_ key: UnsafeRawBufferPointer) -> Int64 {
        var value: UInt64 = 0
        var digits = 0
        let valid = hexDigits.withUnsafeBufferPointer { table in
            for byte in key {
                let digit = table[Int(byte)]
                if digit == dash { continue }
                if digit == invalid { return false }
                if digits < 16 { value = value << 4 | UInt64(digit) }
                digits += 1
            }
            return true
        }
        return valid && (digits == 32 || digits == 64) ? Int64(bitPattern: value) : digest(key)
    }

    private static let invalid: UInt8 = 0xFF
    private static let dash: UInt8 = 0xFE
    /// Each byte's hexadecimal value, ``dash`` for `-`, ``invalid`` for the rest.
    private static let hexDigits: [UInt8] = (0...255).map { byte -> UInt8 in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt8(byte) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt8(byte) - UInt8(ascii: "A") + 10
        case UInt8(ascii: "-"): return dash
        default: return invalid
        }
    }

    /// 64 bits of the key's SHA-256, whatever its shape: where the store looks when the hashes
    /// after a key's own are taken (a pusher chooses its keys; it cannot choose their digests).
    public static func digest(_ key: UnsafeRawBufferPointer) -> Int64 {
        let digest = SHA256.hash(data: key)
        return digest.withUnsafeBytes { Int64(bitPattern: $0.loadUnaligned(as: UInt64.self)) }
    }
}
