/// A detection rule (docs/rules.md): which events count, how they are grouped, over which window of
/// event time, and when to alert.
public struct Rule: Sendable {
    public enum Severity: String, Sendable, CaseIterable, Comparable {
        case info, low, medium, high, critical

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public var id: String
    public var title: String
    public var severity: Severity
    /// What the rule's type makes of the events it counts, with the type's own keys.
    var detector: any Detector
    /// Every condition must hold for an event to count…
    public var conditions: [FieldCondition]
    /// …and, if there are any, not all of these.
    public var exceptions: [FieldCondition]
    public var groupBy: [RuleField]
    /// The window of event time; required when the rule's type counts in windows or silences.
    public var window: EventDuration?
    /// How late an event may arrive and still count in its window.
    public var lateness: EventDuration
    /// One alert per group per this period; later events join it.
    public var suppress: EventDuration?
    /// The rule's own test cases, for `keywatch rules test`.
    public var tests: [RuleTest]
    /// Where the rule was read, for alerts (`rule_file`) and error messages.
    public var file: String
    public var line: Int
    /// SHA-256 of the rule file's text (hex), carried by alerts (`rule_sha256`).
    public var fileSHA256 = ""

    public static let defaultLateness = EventDuration.minutes(15)

    /// The rule's `type`: `threshold`, `first_seen`…
    public var type: String { Swift.type(of: detector).type }

    /// True when the conditions hold for an event and the exceptions do not. `raw` supplies the
    /// record for `raw.<path>` fields (absent when nil); derivations know what `identities` says.
    public func counts(_ event: Event, raw: JSONValue? = nil, identities: IdentityMap = .empty) -> Bool {
        counts(event, raw: raw, context: DerivationContext(identities: identities))
    }

    func counts(_ event: Event, raw: JSONValue?, context: DerivationContext) -> Bool {
        func holds(_ condition: FieldCondition) -> Bool {
            condition.holds(for: event.value(of: condition.field, raw: raw, context: context))
        }
        guard conditions.allSatisfy(holds) else { return false }
        return exceptions.isEmpty || !exceptions.allSatisfy(holds)
    }

    /// True when any condition, exception, group or field reads the raw record.
    public var readsRaw: Bool { !rawPaths.isEmpty }
}

/// One of a rule's `tests`: fixture events, and the alerts they must raise.
public struct RuleTest: Sendable, Equatable {
    /// The events file, relative to the rule file's directory.
    public var events: String
    /// Expected alerts: each a set of alert fields (`count`, `group.<field>`…) and their values as text.
    public var expect: [[String: String]]
    public var line: Int
}
