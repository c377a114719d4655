/// One rule at work: the machinery every rule type shares — groups and their cap, windows of
/// event time and lateness, suppression, evidence, alert keys, forgetting quiet groups — around
/// its type's ``Detector``, which says what the events mean.
///
/// Its state is a ``RuleState`` the engine holds and hands in; the runner keeps only what its
/// rule fixes. A class so that calling it does not copy the rule.
final class RuleRunner {
    let rule: Rule
    /// The window, in microseconds (0 for rules without one).
    let window: Int64
    let lateness: Int64
    let suppress: Int64?
    /// The rule's detector, by the way it counts: one switch per event picks the machinery.
    let counting: Counting
    /// From which count on a window keeps evidence (``WindowDetector/evidenceFrom``).
    let evidenceFrom: Int
    /// How long closed windows' counts are kept, in microseconds (``WindowDetector/history``); nil keeps none.
    let history: Int64?
    let grouping: GroupResolver.Grouping
    let groups: GroupResolver

    enum Counting {
        case events(any EventDetector)
        case windows(any WindowDetector)
        case silence(any SilenceDetector)
    }

    /// - Parameter groups: the engine's resolver of group identities, shared by its rules.
    init(rule: Rule, groups: GroupResolver) {
        self.rule = rule
        self.groups = groups
        grouping = groups.grouping(rule.groupBy)
        window = rule.window?.microseconds ?? 0
        lateness = rule.lateness.microseconds
        suppress = rule.suppress?.microseconds
        switch rule.detector {
        case let detector as any WindowDetector:
            counting = .windows(detector)
            evidenceFrom = detector.evidenceFrom
            history = detector.history?.microseconds
        case let detector as any SilenceDetector:
            counting = .silence(detector)
            evidenceFrom = 0
            history = nil
        case let detector as any EventDetector:
            counting = .events(detector)
            evidenceFrom = 0
            history = nil
        default:
            preconditionFailure("\(rule.type): a detector counts events, windows or silence")
        }
    }

    /// The rule's identity and file digest: state of an edited rule starts afresh.
    var fingerprint: String { rule.id + "@" + rule.fileSHA256 }

    /// Whether the rule keeps each group's key: a silence alert is raised with no event at hand.
    var keepsGroupKeys: Bool {
        if case .silence = counting { return true }
        return false
    }

    /// Counts an event the rule's conditions let through.
    func consider(_ event: EventView, state: inout RuleState, groupsLeft: inout Int, changes: inout AlertChanges) {
        switch counting {
        case .events(let detector):
            // Findings need a group only to suppress, and find it only then: most events a
            // cross-namespace rule sees stay in their namespace.
            guard let finding = detector.finding(for: event, of: rule, memory: &state.memory) else { return }
            raiseOrJoin(finding, of: event, state: &state, groupsLeft: &groupsLeft, changes: &changes)
        case .windows(let detector):
            guard let slot = groupSlot(of: event, state: &state, groupsLeft: &groupsLeft) else { return }
            let counted = state.groups.update(slot) { group in
                count(event, in: &group, by: detector, changes: &changes)
            }
            if !counted { state.late += 1 }
        case .silence:
            guard let slot = groupSlot(of: event, state: &state, groupsLeft: &groupsLeft) else { return }
            state.groups.update(slot) { group in keepNewest(event, in: &group) }
        }
    }

    /// The slot of the event's group, created (and put on the due queue) if new and the cap allows.
    func groupSlot(of event: EventView, state: inout RuleState, groupsLeft: inout Int) -> GroupTable.Slot? {
        let id = groups.id(of: event, groupBy: grouping)
        if let slot = state.groups.slot(of: id) { return slot }
        guard groupsLeft > 0 else {
            state.refused += 1
            return nil
        }
        groupsLeft -= 1
        let group = GroupState(at: event.groupClockTime)
        if keepsGroupKeys { state.keys[id] = GroupKey.make(rule.groupValues(of: event)) }
        let slot = state.groups.insert(group, for: id)
        state.due.add(slot, at: dueTime(of: group))
        return slot
    }

    /// An alert of this rule: its key from the rule, the group (``GroupKey/make(_:)`` of its
    /// values, unless given) and the slot (window, suppression period or event) it covers.
    func alert(values: [String], groupKey: String? = nil, slot: String, count: Int, window: AlertWindow?, firstSeen: Timestamp,
               lastSeen: Timestamp, finding: Finding, events: [String]) -> Alert {
        Alert(key: GroupKey.alertKey(rule: rule.id, group: groupKey ?? GroupKey.make(values), slot: slot), rule: rule,
              group: zip(rule.groupBy, values).map { GroupValue(field: $0.description, value: $1) }, count: count,
              window: window, firstSeen: firstSeen, lastSeen: lastSeen, summary: finding.summary, details: finding.details,
              events: events)
    }

    /// Where suppression periods (or, without `suppress`, windows) end: later events no longer join
    /// the open alert of `slot`.
    func openSlotEnd(_ slot: Int64) -> Int64 {
        if let suppress { return (slot + 1) * suppress }
        return window > 0 ? (slot + 1) * window : Int64.min
    }
}
