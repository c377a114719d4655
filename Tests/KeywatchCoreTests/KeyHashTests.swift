import Testing
import KeywatchTestSupport
@testable import KeywatchCore

/// Dedup depends on a key hashing to the same 64 bits every time: the fast reading of UUIDs and
/// hexadecimal keys must agree with the digit-by-digit one on every key, and step aside for
/// anything that is not a clean key of those shapes.
@Suite("Key hash")
struct KeyHashTests {
    private func agree(_ text: [UInt8]) -> Bool {
        text.withUnsafeBytes { KeyHash.of($0) == KeyHash.ofAnyShape($0) }
    }

    @Test("UUIDs and hexadecimal keys hash to their first 16 digits, in either case")
    func commonShapes() {
        let id = Array("0123abcd-4567-89ef-ABCD-EF0123456789".utf8)
        #expect(id.withUnsafeBytes { KeyHash.of($0) } == Int64(bitPattern: 0x0123_ABCD_4567_89EF))
        let digest = Array(String(repeating: "fedcba9876543210", count: 4).utf8)
        #expect(digest.withUnsafeBytes { KeyHash.of($0) } == Int64(bitPattern: 0xFEDC_BA98_7654_3210))
        #expect(digest.withUnsafeBytes { KeyHash.ofCommonShape($0) } != nil)
    }

    /// Every byte value at every position of a UUID and of 32- and 64-digit keys: the hash is the
    /// slow path's, whether the byte is a digit of either case, a dash, a neighbour of a digit's
    /// range (`/ : @ G \` g`), a control byte or not ASCII.
    @Test("a byte of every value at every position hashes as the digit-by-digit reading does")
    func everyByteAtEveryPosition() {
        var random = SplitMix64(seed: 0xC0FFEE)
        let digits = Array("0123456789abcdefABCDEF".utf8)
        func key(_ length: Int, dashes: Bool) -> [UInt8] {
            (0..<length).map { position in
                dashes && [8, 13, 18, 23].contains(position) ? UInt8(ascii: "-") : digits.randomElement(using: &random)!
            }
        }
        var fastPathTaken = 0
        for (length, dashes) in [(36, true), (32, false), (64, false)] {
            let base = key(length, dashes: dashes)
            #expect(agree(base))
            for position in 0..<length {
                for byte in 0...255 {
                    var variant = base
                    variant[position] = UInt8(byte)
                    #expect(agree(variant), "\(String(decoding: variant, as: UTF8.self)) at \(position)")
                    if variant.withUnsafeBytes({ KeyHash.ofCommonShape($0) }) != nil { fastPathTaken += 1 }
                }
            }
        }
        // Still clean keys: a digit at a digit's place, or a dash at a dash's.
        #expect(fastPathTaken == (36 - 4) * 22 + 4 + 32 * 22 + 64 * 22)
    }

    @Test("keys of other lengths or with dashes elsewhere take the long way to the same hash")
    func otherShapes() {
        for text in ["", "-", "0123abcd-4567-89ef-abcd-ef012345678", "0123abcd-4567-89ef-abcd-ef01234567890",
                     "0123abcd4-567-89ef-abcd-ef0123456789", "0123abcd-4567-89ef-abcd-ef0123456789".uppercased(),
                     String(repeating: "a", count: 31), String(repeating: "a", count: 33), String(repeating: "7", count: 63),
                     "0123-abcd-4567-89ef-abcd-ef01-2345-6789", "req-1", "ff0c5f9e-aaaa-bbbb-cccc-dddddddddddd"] {
            #expect(agree(Array(text.utf8)), "\(text)")
        }
    }
}
