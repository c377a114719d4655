import Testing
@testable import KeywatchCore

/// SipHash-2-4 against the reference implementation's test vectors (key 00…0f, message 00, 01, …).
@Suite("SipHash")
struct SipHashTests {
    private static let key = SipHash24.Key(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)

    private func hash(_ length: Int) -> UInt64 {
        let message = (0..<length).map { UInt8($0) }
        return message.withUnsafeBytes { SipHash24.hash($0, key: Self.key) }
    }

    @Test("the reference vectors: empty, one byte, two bytes, fifteen bytes (the paper's example)")
    func referenceVectors() {
        #expect(hash(0) == 0x726f_db47_dd0e_0e31)
        #expect(hash(1) == 0x74f8_39c5_93dc_67fd)
        #expect(hash(2) == 0x0d6c_8009_d9a9_4f5a)
        #expect(hash(15) == 0xa129_ca61_49be_45e5)
    }

    @Test("a text hashes as its UTF-8 bytes, and another key gives another hash")
    func textAndKeys() {
        let bytes = Array("arn:aws:iam::111122223333:role/app".utf8)
        let byBytes = bytes.withUnsafeBytes { SipHash24.hash($0, key: Self.key) }
        #expect(SipHash24.hash("arn:aws:iam::111122223333:role/app", key: Self.key) == byBytes)
        #expect(SipHash24.hash("arn:aws:iam::111122223333:role/app", key: SipHash24.Key(k0: 1, k1: 2)) != byBytes)
    }
}
