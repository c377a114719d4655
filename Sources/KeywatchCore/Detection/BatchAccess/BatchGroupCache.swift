/// The groups met in the current batch by the rules that share a `group_by`, by the
/// string-table indices (or enumerated values) of those fields: a batch's events share few
/// groups, and finding a group's identity takes a hash of its text at best.
///
/// A ``ProbeTable`` over plain integers, emptied when the batch changes, rather than a
/// `Dictionary`, which hashes with SipHash and copies its key per look-up: the keys here are
/// positions in a table this process built, not text an attacker chose, so a multiply-fold with a
/// per-process seed spreads them well enough.
///
/// A class, shared by the engine's rules of the same `group_by` (a principal met by two rules
/// is looked up once). Used by the engine's thread only, never reentrantly (hence no
/// exclusivity checks).
final class BatchGroupCache {
    /// Up to four field numbers; an enumerated value is its case with the top bit set.
    struct FieldNumbers: Equatable {
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, d: UInt32 = 0
    }

    /// Per bucket: one more than the group's position in ``keys`` and ``ids``.
    @exclusivity(unchecked) private var buckets: ProbeTable<UInt32>
    @exclusivity(unchecked) private var keys: [FieldNumbers] = []
    /// The batch's groups' identities. Their values are not kept: an event's group has the
    /// event's own values, read from the event when an alert needs them.
    @exclusivity(unchecked) private var ids: [GroupID] = []
    @exclusivity(unchecked) private var batch: UInt64 = 0
    private let seed = UInt64.random(in: 1...UInt64.max) | 1

    init(capacity: Int = 1024) {
        buckets = ProbeTable(size: capacity)
    }

    /// The identity of the group of `numbers` in batch `batch`, if ``insert(_:for:)`` added it.
    /// (Not a look-up that takes a closure to make what is missing: forming the closure
    /// retained and released three objects on every look-up.)
    func id(of numbers: FieldNumbers, batch: UInt64) -> GroupID? {
        if batch != self.batch {
            self.batch = batch
            if !ids.isEmpty {
                ids.removeAll(keepingCapacity: true)
                keys.removeAll(keepingCapacity: true)
                buckets.removeAll()
            }
            return nil
        }
        let found = keys.withUnsafeBufferPointer { keys in
            buckets.probe(from: bucket(of: numbers)) { keys[Int($0) &- 1] == numbers }
        }
        return found.found ? ids[Int(buckets[found.bucket]) &- 1] : nil
    }

    /// Adds the group of `numbers` to the batch of the last ``id(of:batch:)``, which did not find it.
    func insert(_ id: GroupID, for numbers: FieldNumbers) {
        ids.append(id)
        keys.append(numbers)
        buckets.insert(UInt32(ids.count), home: bucket(of: numbers))
        if ids.count * 2 > buckets.size {
            let keys = keys
            buckets.resize(to: buckets.size * 2) { bucket(of: keys[Int($0) - 1]) }
        }
    }

    private func bucket(of numbers: FieldNumbers) -> Int { numbers.home(seed: seed) }
}

extension BatchGroupCache.FieldNumbers {
    /// The numbers' home bucket in a ``ProbeTable``: a multiply-fold under a per-process `seed`
    /// (odd), enough for positions this process assigned.
    @inline(__always)
    func home(seed: UInt64) -> Int {
        var hash = (UInt64(a) | UInt64(b) << 32) &* seed
        hash = (hash ^ (UInt64(c) | UInt64(d) << 32)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: hash ^ hash >> 29)
    }
}
