import Crypto

/// 64 bits of a dedup key, for the store's (time, key) index.
///
/// Keys are unpredictable to an attacker — CloudTrail event ids are random UUIDs chosen by AWS,
/// Key Vault keys are SHA-256 digests — so their own bits serve; any other key is hashed with
/// SHA-256. Two records collide only if they share the event time to the microsecond as well.
public enum KeyHash {
    public static func of(_ key: String) -> Int64 {
        var key = key
        return key.withUTF8 { of(UnsafeRawBufferPointer($0)) }
    }

    public static func of(_ key: UnsafeRawBufferPointer) -> Int64 {
        var value: UInt64 = 0
        var digits = 0
        for byte in key {
            if byte == UInt8(ascii: "-") { continue }
            guard let digit = hexValue(byte) else { return digest(key) }
            if digits < 16 { value = value << 4 | UInt64(digit) }
            digits += 1
        }
        return digits == 32 || digits == 64 ? Int64(bitPattern: value) : digest(key)
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func digest(_ key: UnsafeRawBufferPointer) -> Int64 {
        let digest = SHA256.hash(data: key)
        return digest.withUnsafeBytes { Int64(bitPattern: $0.loadUnaligned(as: UInt64.self)) }
    }
}
