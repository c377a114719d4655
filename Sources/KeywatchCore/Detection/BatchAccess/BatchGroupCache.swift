/// The groups met in the current batch by the rules that share a `group_by`, by the
/// string-table indices (or enumerated values) of those fields: a batch's events share few
/// groups, and finding a group's identity takes a hash of its text at best.
///
/// An open-addressing table over plain integers, emptied when the batch changes. A `Dictionary`
/// did the same with SipHash and a tuple copy per look-up, a fifth of detection's instructions;
/// the keys here are positions in a table this process built, not text an attacker chose, so a
/// multiply-fold with a per-process seed spreads them well enough.
///
/// A class, shared by the engine's rules of the same `group_by` (a principal met by two rules
/// is looked up once). Used by the engine's thread only, never reentrantly (hence no
/// exclusivity checks).
final class BatchGroupCache {
    /// Up to four field slots; an enumerated value is its case with the top bit set.
    struct Slots: Equatable {
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, d: UInt32 = 0
    }

    @exclusivity(unchecked) private var keys: [Slots]
    /// Per bucket: one more than the group's position in ``ids``; 0 for empty.
    @exclusivity(unchecked) private var buckets: [UInt32]
    /// The batch's groups' identities. Their values are not kept: an event's group has the
    /// event's own values, read from the event when an alert needs them.
    @exclusivity(unchecked) private var ids: [GroupID] = []
    @exclusivity(unchecked) private var batch: UInt64 = 0
    private let seed = UInt64.random(in: 1...UInt64.max) | 1

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity { size <<= 1 }
        keys = Array(repeating: Slots(), count: size)
        buckets = Array(repeating: 0, count: size)
    }

    /// The identity of the group of `slots` in batch `batch`, if ``insert(_:for:)`` added it.
    /// (Not a look-up that takes a closure to make what is missing: forming the closure
    /// retained and released three objects on every look-up.)
    func id(of slots: Slots, batch: UInt64) -> GroupID? {
        if batch != self.batch {
            self.batch = batch
            if !ids.isEmpty {
                ids.removeAll(keepingCapacity: true)
                for index in buckets.indices { buckets[index] = 0 }
            }
            return nil
        }
        let mask = buckets.count - 1
        var index = bucket(of: slots) & mask
        while buckets[index] != 0 {
            if keys[index] == slots { return ids[Int(buckets[index]) - 1] }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Adds the group of `slots` to the batch of the last ``id(of:batch:)``, which did not find it.
    func insert(_ id: GroupID, for slots: Slots) {
        let mask = buckets.count - 1
        var index = bucket(of: slots) & mask
        while buckets[index] != 0 { index = (index + 1) & mask }
        ids.append(id)
        keys[index] = slots
        buckets[index] = UInt32(ids.count)
        if ids.count * 2 > buckets.count { grow() }
    }

    private func bucket(of slots: Slots) -> Int {
        var hash = (UInt64(slots.a) | UInt64(slots.b) << 32) &* seed
        hash = (hash ^ (UInt64(slots.c) | UInt64(slots.d) << 32)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: hash ^ hash >> 29)
    }

    private func grow() {
        let oldKeys = keys
        let oldBuckets = buckets
        keys = Array(repeating: Slots(), count: oldBuckets.count * 2)
        buckets = Array(repeating: 0, count: oldBuckets.count * 2)
        let mask = buckets.count - 1
        for (key, entry) in zip(oldKeys, oldBuckets) where entry != 0 {
            var index = bucket(of: key) & mask
            while buckets[index] != 0 { index = (index + 1) & mask }
            keys[index] = key
            buckets[index] = entry
        }
    }
}
