/// A `first_seen` rule at work: its combination of fields is identified the way groups are — by
/// the batch's cache of string positions, then a memo of values — so that an event whose
/// combination was met before costs a look-up, not a key and a SHA-256 of its values.
///
/// The memo is the rule's own, not the engine's: combinations (a principal and each network it
/// calls from) can outnumber groups many times, and would push the groups of every other rule
/// out of a shared one.
final class FirstSeenRuleRunner: EventRuleRunner {
    private let firstSeen: FirstSeenDetector
    private let combinations = GroupResolver()
    private let combination: GroupResolver.Grouping

    init(rule: Rule, detector: FirstSeenDetector, groups: GroupResolver) {
        firstSeen = detector
        combination = combinations.grouping(detector.combination)
        super.init(rule: rule, detector: detector, groups: groups)
    }

    override func finding(for event: EventView, memory: inout RuleMemory) -> Finding? {
        firstSeen.finding(for: event, combination: combinations.id(of: event, groupBy: combination).high, memory: &memory)
    }
}
