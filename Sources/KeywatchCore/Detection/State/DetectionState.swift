/// Everything detection remembers between batches: per rule, the live groups (open windows,
/// spike histories, last-seen times, the alert a group's events currently join), first-seen sets,
/// and the clock of event time. The store keeps it (``DetectionEngine/state``) so a
/// restart resumes where the last commit left off.
public struct DetectionState: Sendable {
    /// The newest event time seen, not counting events from the future (beyond the caller's `now`).
    public internal(set) var clock: Timestamp?
    var rules: [String: RuleState] = [:]
    /// AWS accounts learned from the logs as ours (see ``DerivationContext``).
    public internal(set) var accounts: Set<String> = []

    public init() {}

    /// Live groups over every rule.
    public var liveGroups: Int { rules.values.reduce(0) { $0 + $1.groups.count } }
}
