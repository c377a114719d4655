import Testing
@testable import KeywatchCore

/// What ``StringInstance`` relies on of `String`'s layout, which Swift does not document.
@Suite("String instance bits")
struct StringInstanceTests {
    private static let small = "eu-west-1"
    private static let large = "arn:aws:iam::111122223333:role/" + "alice-with-a-long-name"

    @Test("a String is 16 bytes, and the bits read in place are its bits")
    func layout() {
        #expect(MemoryLayout<String>.size == MemoryLayout<StringInstance.Bits>.size)
        #expect(MemoryLayout<String>.stride == 16)
        let strings = [Self.small, Self.large]
        strings.withUnsafeBufferPointer { buffer in
            #expect(StringInstance.bits(of: buffer.baseAddress!) == StringInstance.bits(of: Self.small))
            #expect(StringInstance.bits(of: buffer.baseAddress! + 1) == StringInstance.bits(of: Self.large))
        }
    }

    @Test("copies of a value share its bits; equal text in another instance need not")
    func copiesShareBits() {
        let copy = Self.large
        var array = [copy]
        array.append(copy)
        #expect(StringInstance.bits(of: copy) == StringInstance.bits(of: Self.large))
        #expect(StringInstance.bits(of: array[1]) == StringInstance.bits(of: Self.large))
        let rebuilt = String(decoding: Array(Self.large.utf8), as: UTF8.self)
        #expect(rebuilt == Self.large)
    }

    @Test("equal bits mean equal text: a small string's bits are its bytes, a large one's its storage")
    func equalBitsMeanEqualText() {
        let values = ["", "a", "b", "ab", "eu-west-1", "eu-west-2", "exactly-15-byte", "sixteen-bytes-xx",
                      Self.large, Self.large + "!", String(Self.large.dropLast())]
        for a in values {
            for b in values where StringInstance.bits(of: a) == StringInstance.bits(of: b) {
                #expect(a == b, "\(a) and \(b) share bits")
            }
        }
    }
}
