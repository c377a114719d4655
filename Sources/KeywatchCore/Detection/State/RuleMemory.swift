/// What a rule remembers beyond its groups, for detectors that learn: the combinations a
/// `first_seen` rule has met and since when it has been learning, and the last known values a
/// `change` rule watches, per group.
///
/// Kept apart from the groups because it must outlive them: a vault patched once a month has no
/// live group between its patches, yet its next patch is compared with the last one.
struct RuleMemory: Sendable {
    /// Digests of the combinations seen: SipHash-2-4 under ``digestKey`` of their ``GroupKey``, or,
    /// in state kept before there was a key, ``GroupKey/digest64(_:)`` (SHA-256).
    var seen: Set<UInt64> = []
    /// The key of ``seen``'s digests: random, chosen when the rule first learns, kept with them.
    var digestKey: SipHash24.Key?
    var learningSince: Timestamp?
    /// `change`: per group, the last known value of each watched field in `watch` order (nil when
    /// none is known yet).
    var known: [GroupID: [KnownValue?]] = [:]
    /// Combinations ``seen`` may hold, and groups ``known`` may hold
    /// (``DetectionLimits/maximumSeenCombinations``); not stored.
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

    /// The key of the combinations' digests: chosen now when the rule has learned nothing yet;
    /// nil for state learned before keys (its digests are SHA-256's, and stay so).
    mutating func chooseDigestKey() -> SipHash24.Key? {
        if digestKey == nil, seen.isEmpty, learningSince == nil { digestKey = .random() }
        return digestKey
    }

    /// The digest of a combination's ``GroupKey`` as ``seen`` holds it, under `key`.
    static func digest(of combination: String, key: SipHash24.Key?) -> UInt64 {
        key.map { SipHash24.hash(combination, key: $0) } ?? GroupKey.digest64(combination)
    }

    /// Remembers `values` as the last known of `group`: false, and the event counted as refused,
    /// when the group is new and ``capacity`` is reached.
    mutating func remember(_ values: [KnownValue?], of group: GroupID) -> Bool {
        guard known[group] != nil || known.count < capacity else {
            refused += 1
            return false
        }
        known[group] = values
        return true
    }
}
