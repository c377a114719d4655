/// Whether each event of a batch is inside its caller's profile (`identities.yaml`): which
/// profile applies is worked out once per distinct caller of the batch, and whether an operation
/// is inside it once per profile and operation — a batch's events share few of either, and working
/// one out lowercases and looks up several strings.
///
/// Keyed by string-table positions, which this process assigned (not text an attacker chose).
/// Made by ``BatchFields`` when a rule first asks, for the engine's thread only.
final class BatchProfileVerdicts {
    /// What applies to an event.
    enum Verdict {
        /// Its caller has no profile.
        case none
        /// Its operation is inside its caller's profile.
        case inside
        /// Its operation is outside the profile at this position of ``applied``.
        case outside(Int)
    }

    /// What decides which profile applies to an event, everything but its operation: its
    /// principal, app id, namespace and service account, by string index.
    private typealias Caller = BatchGroupCache.FieldNumbers

    private let batch: EventBatch
    private let identities: IdentityMap
    /// Whether any caller has a profile: without one, every verdict is ``Verdict/none`` at once.
    private let hasProfiles: Bool
    /// The callers met, found through ``buckets`` (one more than their position here) as
    /// ``BatchGroupCache`` finds groups: a `Dictionary` hashed each event's caller with SipHash.
    @exclusivity(unchecked) private var callers: [Caller] = []
    /// Per caller of ``callers``, its profile's position in ``applied``; -1 for none.
    @exclusivity(unchecked) private var callerPositions: [Int] = []
    @exclusivity(unchecked) private var buckets = ProbeTable<UInt32>(size: 256)
    private let seed = UInt64.random(in: 1...UInt64.max) | 1
    /// The profiles that apply to callers of the batch, each once.
    private(set) var applied: [IdentityMap.AppliedProfile] = []
    private var positions: [IdentityMap.AppliedProfile.Holder: Int] = [:]
    /// What the map says of each string of the batch met as a principal, and as a client id.
    private var principals: [IdentityMap.PrincipalEntry?] = []
    private var appIDs: [IdentityMap.PrincipalEntry?] = []
    /// Per profile of ``applied``, by the operation's string index: 0 not yet known, 1 inside,
    /// 2 outside.
    private var operations: [[UInt8]] = []

    init(batch: EventBatch, identities: IdentityMap) {
        self.batch = batch
        self.identities = identities
        hasProfiles = identities.hasProfiles
    }

    /// The verdict on `row`.
    func verdict(for row: EventRow) -> Verdict {
        guard hasProfiles else { return .none }
        let caller = Caller(a: row.principal.rawValue, b: row.appID.rawValue, c: row.namespace.rawValue, d: row.serviceAccount.rawValue)
        let home = caller.home(seed: seed)
        let found = callers.withUnsafeBufferPointer { callers in buckets.probe(from: home) { callers[Int($0) &- 1] == caller } }
        let position: Int
        if found.found {
            position = callerPositions[Int(buckets[found.bucket]) &- 1]
        } else {
            position = self.position(of: row)
            remember(caller, at: position, in: found.bucket)
        }
        guard position >= 0 else { return .none }
        let operation = Int(row.operation.rawValue)
        if operations[position][operation] == 0 {
            operations[position][operation] = applied[position].profile.contains(batch.string(row.operation) ?? "") ? 1 : 2
        }
        return operations[position][operation] == 1 ? .inside : .outside(position)
    }

    private func remember(_ caller: Caller, at position: Int, in bucket: Int) {
        callers.append(caller)
        callerPositions.append(position)
        buckets.fill(bucket, with: UInt32(callers.count))
        if callers.count * 2 > buckets.size {
            let callers = callers
            buckets.resize(to: buckets.size * 2) { callers[Int($0) - 1].home(seed: seed) }
        }
    }

    /// What the map says of the principal at `index`, looked up once per string of the batch:
    /// callers differ by their app id or namespace while sharing a principal.
    private func entry(ofPrincipal index: StringIndex) -> IdentityMap.PrincipalEntry {
        entry(index, in: &principals, identities.entry(ofPrincipal:))
    }

    /// ``entry(ofPrincipal:)`` of a client id.
    private func entry(ofAppID index: StringIndex) -> IdentityMap.PrincipalEntry {
        entry(index, in: &appIDs, identities.entry(ofAppID:))
    }

    private func entry(_ index: StringIndex, in known: inout [IdentityMap.PrincipalEntry?],
                       _ lookUp: (String?) -> IdentityMap.PrincipalEntry) -> IdentityMap.PrincipalEntry {
        if known.isEmpty { known = Array(repeating: nil, count: batch.strings.count) }
        if let entry = known[Int(index.rawValue)] { return entry }
        let entry = lookUp(batch.string(index))
        known[Int(index.rawValue)] = entry
        return entry
    }

    /// The position in ``applied`` of the profile that applies to `row`'s caller, added when new;
    /// -1 when none does.
    private func position(of row: EventRow) -> Int {
        guard let profile = identities.profile(principal: entry(ofPrincipal: row.principal), appID: entry(ofAppID: row.appID),
                                               namespace: batch.string(row.namespace), serviceAccount: batch.string(row.serviceAccount))
        else { return -1 }
        // A holder has one profile: the holder tells two profiles apart without comparing them.
        if let known = positions[profile.holder] { return known }
        applied.append(profile)
        operations.append([UInt8](repeating: 0, count: batch.strings.count))
        positions[profile.holder] = applied.count - 1
        return applied.count - 1
    }
}
