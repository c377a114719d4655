import Testing
@testable import KeywatchCore

/// Member look-ups and string checks compare bytes in overlapping word loads: a difference at
/// any position of any length must be seen, including where the two loads overlap.
@Suite("Byte equality")
struct ByteEqualityTests {
    @Test("equal bytes are equal, and a single differing byte is found at every position of every length up to 40")
    func differenceAtEveryPosition() {
        for count in 1...40 {
            let a = (0..<count).map { UInt8(truncatingIfNeeded: 0x41 + $0) }
            let copy = a
            #expect(a.withUnsafeBytes { x in copy.withUnsafeBytes { y in ByteScan.equal(x.baseAddress!, y.baseAddress!, count) } })
            for position in 0..<count {
                for flip: UInt8 in [0x01, 0x20, 0x80] {
                    var b = a
                    b[position] ^= flip
                    let equal = a.withUnsafeBytes { x in b.withUnsafeBytes { y in ByteScan.equal(x.baseAddress!, y.baseAddress!, count) } }
                    #expect(!equal, "length \(count), byte \(position)")
                }
            }
        }
    }
}
