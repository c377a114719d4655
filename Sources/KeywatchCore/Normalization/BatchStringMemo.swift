/// Facts a normalizer works out from a string once per batch, found again by the string's index in
/// the batch's string table.
///
/// Operations, key ARNs and aliases repeat thousands of times in a batch; what they imply (an
/// operation's class, a key's scope and name) is the same each time. The memo forgets everything
/// when it is asked about a different batch, since indexes belong to one batch's table.
struct BatchStringMemo<Value> {
    private var values: [Value?] = []
    private var batchID: UInt64 = 0

    /// What was stored for `index` in the batch whose string table is `batchID`, if anything.
    @inline(__always)
    mutating func value(at index: StringIndex, batchID: UInt64) -> Value? {
        if batchID != self.batchID {
            self.batchID = batchID
            values.removeAll(keepingCapacity: true)
            return nil
        }
        let slot = Int(index.rawValue)
        return slot < values.count ? values[slot] : nil
    }

    /// Remembers `value` for `index` of the batch last asked about.
    mutating func store(_ value: Value, at index: StringIndex) {
        let slot = Int(index.rawValue)
        if values.count <= slot { values.append(contentsOf: repeatElement(nil, count: slot + 1 - values.count)) }
        values[slot] = value
    }
}
