import Testing
@testable import KeywatchCore

/// The content hashes a batch carries for its strings: detection finds group identities by them,
/// so the hash an interner recorded must be the hash of the text, wherever the string came from.
@Suite("String content hashes")
struct StringContentHashTests {
    /// Lengths around the hash's 8-byte words, non-ASCII text, and a value past the interner's
    /// length limit (appended without a hash).
    private static let values = ["a", "eu-west-1", "12345678", "123456789", "arn:aws:iam::111122223333:role/app",
                                 "αβγ-ключ-鍵", String(repeating: "x", count: StringInterner.maximumLength + 1)]

    @Test("an interned string's recorded hash is the hash of its text; one appended without is computed")
    func recordedHashesMatchTheText() {
        let interner = StringInterner()
        var batch = EventBatch()
        for value in Self.values {
            let index = value.utf8.withContiguousStorageIfAvailable { interner.index(of: UnsafeRawBufferPointer($0), in: &batch) }!
            #expect(batch.string(index) == value)
            #expect(batch.contentHash(of: index) == ContentHash.of(value), "\(value.prefix(20))")
        }
        let unhashed = batch.appendString("added without a hash")
        #expect(batch.stringHashes[Int(unhashed.rawValue)] == 0)
        #expect(batch.contentHash(of: unhashed) == ContentHash.of("added without a hash"))
        // Moving a batch into another keeps each string's hash with it.
        var merged = EventBatch()
        _ = merged.appendString("already here")
        merged.append(contentsOf: batch)
        for index in 1..<merged.strings.count {
            let string = merged.strings[index]
            #expect(merged.contentHash(of: StringIndex(rawValue: UInt32(index))) == ContentHash.of(string))
        }
        // Absent is the empty text.
        #expect(batch.contentHash(of: .none) == ContentHash.of(""))
    }

    @Test("a remembered value is the row's by instance or by text, and nothing else is")
    func matchesByInstanceOrText() {
        var batch = EventBatch()
        let alice = "arn:aws:iam::111122223333:role/alice"
        let other = "arn:aws:iam::111122223333:role/" + "alice"
        var row = EventRow(key: .none, keyHash: 0, source: .awsKMS, time: Timestamp(microseconds: 0), eventClass: .read, outcome: .success)
        row.principal = batch.appendString(alice)
        let fields = BatchFields(batch: batch)
        let bits = StringInstance.bits(of:) as (String) -> StringInstance.Bits
        #expect(fields.isInstance(bits(alice), .principal, in: row))
        #expect(!fields.isInstance(bits(other), .principal, in: row))
        #expect(!fields.isInstance(bits(alice), .resource, in: row))
        #expect(!fields.isInstance(bits("aws.kms"), .source, in: row))
        #expect(fields.matches(alice, .principal, in: row))
        #expect(fields.matches(other, .principal, in: row))
        #expect(!fields.matches("arn:aws:iam::111122223333:role/alicf", .principal, in: row))
        #expect(!fields.matches(alice, .resource, in: row))
        #expect(fields.matches("", .resource, in: row))
        #expect(fields.matches("aws.kms", .source, in: row))
        #expect(!fields.matches("azure.keyvault", .source, in: row))
    }
}
