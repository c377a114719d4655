import Foundation

/// The network an address belongs to, for ``FieldDerivation/network``: a /24 for IPv4 (a
/// provider's smallest routed block), a /48 for IPv6 (a site's usual allocation).
enum NetworkPrefix {
    /// `203.0.113.0/24` for `203.0.113.9`, `2001:db8:1::/48` for `2001:db8:1:2::5`; an
    /// IPv4-mapped IPv6 address is IPv4. Nil for anything that is not an address
    /// (CloudTrail's `kms.amazonaws.com`, `AWS Internal`).
    static func of(_ text: String) -> String? {
        if let prefix = dottedQuadNetwork(text) { return prefix }
        guard var bytes = CIDR.address(text) else { return nil }
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            bytes = Array(bytes[12...])
        }
        if bytes.count == 4 { return "\(bytes[0]).\(bytes[1]).\(bytes[2]).0/24" }
        for index in 6..<16 { bytes[index] = 0 }
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/48"
    }

    /// The /24 of an IPv4 address in canonical dotted-decimal form (four parts of 0–255, no
    /// leading zeros), read in place: nearly every caller's address, so the C library's parser,
    /// and the C string it needs, are left for the rest.
    private static func dottedQuadNetwork(_ text: String) -> String? {
        var utf8 = text.utf8
        return utf8.withContiguousStorageIfAvailable { bytes -> String? in
            var dots = 0, value = 0, digits = 0, thirdDot = 0
            for (position, byte) in bytes.enumerated() {
                if byte == UInt8(ascii: ".") {
                    guard digits > 0, dots < 3 else { return nil }
                    dots += 1
                    if dots == 3 { thirdDot = position }
                    value = 0
                    digits = 0
                } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3, !(digits == 1 && value == 0) {
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                    digits += 1
                    guard value <= 255 else { return nil }
                } else {
                    return nil
                }
            }
            guard dots == 3, digits > 0 else { return nil }
            return String(unsafeUninitializedCapacity: thirdDot + 5) { buffer in
                _ = buffer.initialize(from: bytes[..<thirdDot])
                for (offset, byte) in ".0/24".utf8.enumerated() { buffer[thirdDot + offset] = byte }
                return thirdDot + 5
            }
        } ?? nil
    }
}
