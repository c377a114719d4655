import Testing
@testable import KeywatchCore

/// Field parsing finds separators eight bytes at a time; a separator must be found at every
/// position, next to another, and beside the bytes that fool a word-wide search (a byte one
/// above the separator, which a borrow would make look like it, and bytes above 0x7F).
@Suite("Byte offsets")
struct ByteOffsetTests {
    @Test("the last separator is found at every position, among neighbours that look like it")
    func lastSeparator() {
        for length in 0...19 {
            for fill: UInt8 in [UInt8(ascii: "a"), UInt8(ascii: ";"), 0xFF, 0x00] {
                for first in -1..<length {
                    for second in -1..<length {
                        var bytes = [UInt8](repeating: fill, count: length)
                        if first >= 0 { bytes[first] = UInt8(ascii: ":") }
                        if second >= 0 { bytes[second] = UInt8(ascii: ":") }
                        let found = bytes.withUnsafeBytes { $0.lastOffset(of: UInt8(ascii: ":")) }
                        #expect(found == bytes.lastIndex(of: UInt8(ascii: ":")), "\(bytes)")
                    }
                }
            }
        }
    }

    @Test("a word's matching bytes are exactly the equal ones")
    func exactMatches() {
        // ':' then ';' (one above it): a borrow-based test marks both.
        let word = UInt64(littleEndian: [UInt8(ascii: ":"), UInt8(ascii: ";"), 0x80, UInt8(ascii: ":"), 0xBA, 0x3A, 0x00, 0x7F]
            .withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        #expect(ByteScan.bytes(equalTo: UInt8(ascii: ":"), in: word) == 0x0000_8000_8000_0080)
        #expect(ByteScan.bytes(equalTo: 0x00, in: word) == 0x0080_0000_0000_0000)
        #expect(ByteScan.bytes(equalTo: 0x80, in: word) == 0x0000_0000_0080_0000)
    }

    @Test("the offset after the n-th separator, or nil when there are fewer")
    func afterNthSeparator() {
        let arn = Array("arn:aws:kms:us-east-1:111122223333:key/1234".utf8)
        arn.withUnsafeBytes { bytes in
            #expect(bytes.offset(after: 5, of: UInt8(ascii: ":")) == 35)
            #expect(bytes.offset(after: 1, of: UInt8(ascii: ":")) == 4)
            #expect(bytes.offset(after: 6, of: UInt8(ascii: ":")) == nil)
            #expect(bytes.offset(after: 1, of: UInt8(ascii: "4")) == bytes.count)
        }
        [UInt8]().withUnsafeBytes { #expect($0.offset(after: 1, of: 0) == nil) }
    }
}
