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

    private static func digest(_ key: UnsafeRawBufferPointer) -> Int64 {
        let digest = SHA256.hash(data: key)
        return digest.withUnsafeBytes { Int64(bitPattern: $0.loadUnaligned(as: UInt64.self)) }
    }
}
