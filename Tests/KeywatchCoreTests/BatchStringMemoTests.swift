import Testing
@testable import KeywatchCore

/// Facts a normalizer memoizes per string of a batch are found for that batch only.
@Suite("Batch string memo")
struct BatchStringMemoTests {
    @Test("a value stored for an index is found in the same batch and forgotten in the next")
    func forgetsWithTheBatch() {
        var memo = BatchStringMemo<Int>()
        #expect(memo.value(at: StringIndex(rawValue: 3), batchID: 1) == nil)
        memo.store(30, at: StringIndex(rawValue: 3))
        memo.store(70, at: StringIndex(rawValue: 7))
        #expect(memo.value(at: StringIndex(rawValue: 3), batchID: 1) == 30)
        #expect(memo.value(at: StringIndex(rawValue: 7), batchID: 1) == 70)
        #expect(memo.value(at: StringIndex(rawValue: 5), batchID: 1) == nil)
        #expect(memo.value(at: StringIndex(rawValue: 99), batchID: 1) == nil)
        #expect(memo.value(at: StringIndex(rawValue: 3), batchID: 2) == nil)
        #expect(memo.value(at: StringIndex(rawValue: 7), batchID: 2) == nil)
    }
}
