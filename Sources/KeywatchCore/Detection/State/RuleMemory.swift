/// What a rule remembers beyond its groups, for detectors that learn: the combinations a
/// `first_seen` rule has met, and since when it has been learning.
struct RuleMemory: Sendable {
    /// Digests of the combinations seen (``GroupKey/digest64(_:)``).
    var seen: Set<UInt64> = []
    var learningSince: Timestamp?
    /// Combinations ``seen`` may hold (``DetectionLimits/maximumSeenCombinations``); not stored.
    var capacity = Int.max
    /// Events not counted because ``capacity`` was reached.
    var refused = 0

    /// Learns the combination of `digest`: true when it is new and learned; false when it was seen
    /// before, or when it is new but ``capacity`` is reached (the event then counts as refused).
    mutating func learn(_ digest: UInt64) -> Bool {
        guard !seen.contains(digest) else { return false }
        guard seen.count < capacity else {
            refused += 1
            return false
        }
        seen.insert(digest)
        return true
    }
}
