/// What derivations know beyond the event: which accounts and organisations are ours, the
/// decoys (identities.yaml), and the accounts the logs have shown.
///
/// "Ours" is what identities.yaml's `accounts:` and `organization:` list; with no `accounts:`,
/// every account the logs show as their own (CloudTrail's `recipientAccountId`, the `account`
/// field of AWS events) is ours from the first event of it on — the engine learns each event's
/// account before the rules read it, so an event's own account is always ours. One per engine,
/// used by its thread only.
final class DerivationContext {
    let identities: IdentityMap
    /// Accounts learned from the logs (kept with detection's state).
    private(set) var learnedAccounts: Set<String>
    private let parser = JSONParser()
    private let ours: Set<String>
    /// The last policy read, and its text: a rule's several derivations of one event's policy
    /// read it once.
    private var lastPolicy: (text: String, reading: PolicyReading?)?

    init(identities: IdentityMap, learnedAccounts: Set<String> = []) {
        self.identities = identities
        self.learnedAccounts = learnedAccounts
        ours = Set(identities.accounts + identities.organizations.map { $0.lowercased() })
    }

    /// Whether accounts are learned from the logs: only when identities.yaml lists none.
    var learnsAccounts: Bool { identities.accounts.isEmpty }

    /// Learns `account` (an AWS account id) as ours.
    func learn(account: String) {
        guard AWSAccountID.isAccountID(account) else { return }
        learnedAccounts.insert(account)
    }

    /// True when `account` (an id, or an organisation's `o-…`) is ours. The logs never name an
    /// organisation: with no `organization:`, none is judged foreign.
    func isOurs(_ account: String) -> Bool {
        if account.hasPrefix("o-") { return identities.organizations.isEmpty || ours.contains(account.lowercased()) }
        return ours.contains(account) || (learnsAccounts && learnedAccounts.contains(account))
    }

    /// True when `value` matches one of the decoys.
    func isDecoy(_ value: String) -> Bool {
        identities.decoys.contains { $0.matches(value) }
    }

    /// `text` read as a policy document; nil when it is not one.
    func policy(_ text: String) -> PolicyReading? {
        if let last = lastPolicy, last.text == text { return last.reading }
        let reading = PolicyReading(json: text, parser: parser)
        lastPolicy = (text, reading)
        return reading
    }
}
