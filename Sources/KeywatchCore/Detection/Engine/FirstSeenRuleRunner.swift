/// A `first_seen` rule at work: its combination of fields is identified the way groups are — by
/// the batch's cache of string positions, then a memo of values — so that an event whose
/// combination was met before costs a look-up, and a new one a SipHash of its values under the
/// rule's key (``RuleMemory/digestKey``; a SHA-256 for state learned before keys).
///
/// The memo is the rule's own, not the engine's: combinations (a principal and each network it
/// calls from) can outnumber groups many times, and would push the groups of every other rule
/// out of a shared one. It is made for the key of the rule's state, so that it holds that key's
/// digests.
final class FirstSeenRuleRunner: EventRuleRunner {
    private let firstSeen: FirstSeenDetector
    private var combinations: (key: SipHash24.Key?, resolver: GroupResolver, grouping: GroupResolver.Grouping)?

    init(rule: Rule, detector: FirstSeenDetector, groups: GroupResolver) {
        firstSeen = detector
        super.init(rule: rule, detector: detector, groups: groups)
    }

    override func finding(for event: EventView, memory: inout RuleMemory) -> Finding? {
        let key = memory.chooseDigestKey()
        if combinations == nil || combinations!.key != key {
            let resolver = GroupResolver { GroupID(high: RuleMemory.digest(of: $0, key: key), low: 0) }
            combinations = (key, resolver, resolver.grouping(firstSeen.combination))
        }
        let id = combinations!.resolver.id(of: event, groupBy: combinations!.grouping)
        return firstSeen.finding(for: event, combination: id.high, memory: &memory)
    }
}
