/// A group of a rule, by 128 bits of SHA-256 of its key (``GroupKey/make(_:)``): a million live
/// groups keep sixteen bytes each instead of their text, and the text is at hand whenever an
/// event of the group is. A cryptographic digest, not a fast hash, because group values are
/// attacker-controlled: two groups made to collide would share one count.
struct GroupID: Hashable, Sendable {
    var high: UInt64
    var low: UInt64
}
