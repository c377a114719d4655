import Foundation

/// The network an address belongs to, for ``FieldDerivation/network``: a /24 for IPv4 (a
/// provider's smallest routed block), a /48 for IPv6 (a site's usual allocation).
enum NetworkPrefix {
    /// `203.0.113.0/24` for `203.0.113.9`, `2001:db8:1::/48` for `2001:db8:1:2::5`; an
    /// IPv4-mapped IPv6 address is IPv4. Nil for anything that is not an address
    /// (CloudTrail's `kms.amazonaws.com`, `AWS Internal`).
    static func of(_ text: String) -> String? {
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
}
