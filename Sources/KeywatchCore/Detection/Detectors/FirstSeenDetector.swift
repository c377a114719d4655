/// `type: first_seen` — the first event with a combination of `fields` not seen before (a
/// principal never seen on this vault), once `learn` of history has passed.
struct FirstSeenDetector: EventDetector {
    static let type = "first_seen"
    static let keys = ["fields", "learn"]

    let combination: [RuleField]
    /// How long the rule only learns, from its first event on.
    let learn: EventDuration

    init(reading rule: RuleSettings) throws(ConfigurationError) {
        guard let fields = try rule.fields("fields") else { throw rule.missing("fields", "the combination that is new") }
        combination = fields
        learn = try rule.duration("learn", allowZero: true) ?? .days(7)
    }

    var fields: [RuleField] { combination }

    func finding(for event: EventView, of rule: Rule, memory: inout RuleMemory) -> Finding? {
        let key = memory.chooseDigestKey()
        let digest = RuleMemory.digest(of: GroupKey.make(combination.map(event.text(of:))), key: key)
        return finding(for: event, combination: digest, memory: &memory)
    }

    /// The finding for `event`, whose combination's digest is `digest` (``RuleMemory/digest(of:key:)``
    /// of ``GroupKey/make(_:)`` of its values, under the memory's key).
    func finding(for event: EventView, combination digest: UInt64, memory: inout RuleMemory) -> Finding? {
        // Digests, not the text: a million combinations in 8 MB. Keyed with a secret key, because
        // an attacker who made an unseen combination collide with a learned one would hide it.
        let time = event.time
        if memory.learningSince == nil || time < memory.learningSince! { memory.learningSince = time }
        guard memory.learn(digest) else { return nil }
        guard time >= memory.learningSince! + learn else { return nil }
        let pairs = zip(combination, combination.map(event.text(of:))).map { ($0.description, $1) }
        let described = pairs.map { "\($0)=\($1.isEmpty ? "(none)" : $1)" }.joined(separator: ", ")
        return Finding(summary: "first time seen: \(described) (\(event.text(of: .operation)))",
                       details: pairs.map { AlertDetail($0, .text($1)) })
    }

    func runner(for rule: Rule, groups: GroupResolver) -> RuleRunner {
        FirstSeenRuleRunner(rule: rule, detector: self, groups: groups)
    }
}
