/// Whether each event of a batch is inside its caller's profile (`identities.yaml`), worked out
/// once per distinct caller and operation of the batch: a batch's events share few of them, and
/// working one out lowercases and looks up several strings.
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

    private struct Caller: Hashable {
        var principal, appID, namespace, serviceAccount, operation: UInt32
    }

    private let batch: EventBatch
    private let identities: IdentityMap
    /// Whether any caller has a profile: without one, every verdict is ``Verdict/none`` at once.
    private let hasProfiles: Bool
    private var verdicts: [Caller: Verdict] = [:]
    /// The profiles that events of the batch stepped outside of, each once.
    private(set) var applied: [IdentityMap.AppliedProfile] = []

    init(batch: EventBatch, identities: IdentityMap) {
        self.batch = batch
        self.identities = identities
        hasProfiles = identities.hasProfiles
    }

    /// The verdict on `row`.
    func verdict(for row: EventRow) -> Verdict {
        guard hasProfiles else { return .none }
        let caller = Caller(principal: row.principal.rawValue, appID: row.appID.rawValue, namespace: row.namespace.rawValue,
                            serviceAccount: row.serviceAccount.rawValue, operation: row.operation.rawValue)
        if let known = verdicts[caller] { return known }
        let verdict = judge(row)
        verdicts[caller] = verdict
        return verdict
    }

    private func judge(_ row: EventRow) -> Verdict {
        guard let profile = identities.profile(ofPrincipal: batch.string(row.principal), appID: batch.string(row.appID),
                                               namespace: batch.string(row.namespace), serviceAccount: batch.string(row.serviceAccount))
        else { return .none }
        if profile.profile.contains(batch.string(row.operation) ?? "") { return .inside }
        if let known = applied.firstIndex(of: profile) { return .outside(known) }
        applied.append(profile)
        return .outside(applied.count - 1)
    }
}
