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

    /// Whether another combination may be learned; when not, counts the event as refused.
    mutating func hasRoom() -> Bool {
        guard seen.count < capacity else {
            refused += 1
            return false
        }
        return true
    }
}
