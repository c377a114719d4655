/// One rule at work: the machinery every rule type shares — groups and their cap, suppression,
/// alert keys, the clock's look at due groups, forgetting quiet groups — around its type's
/// ``Detector``, which says what the events mean.
///
/// One subclass per way of counting (``EventRuleRunner``, ``WindowRuleRunner``,
/// ``SilenceRuleRunner``), each holding its detector as the protocol it adopts: calling the
/// detector opens it in place, and one virtual call per event picks the machinery. The state is a
/// ``RuleState`` the engine holds and hands in; a runner keeps only what its rule fixes.
class RuleRunner {
    let rule: Rule
    /// The window, in microseconds (0 for rules without one).
    let window: Int64
    let lateness: Int64
    let suppress: Int64?
    /// How long after its windows a quiet group's history still matters, in microseconds
    /// (``WindowDetector/history``: `spike`'s baseline; 0 for none).
    let historySpan: Int64
    private let grouping: GroupResolver.Grouping
    private let groups: GroupResolver

    init(rule: Rule, groups: GroupResolver, historySpan: EventDuration? = nil) {
        self.rule = rule
        self.groups = groups
        grouping = groups.grouping(rule.groupBy)
        window = rule.window?.microseconds ?? 0
        lateness = rule.lateness.microseconds
        suppress = rule.suppress?.microseconds
        self.historySpan = historySpan?.microseconds ?? 0
    }

    /// The rule's identity and file digest: state of an edited rule starts afresh.
    final var fingerprint: String { rule.id + "@" + rule.fileSHA256 }

    /// Whether the rule keeps each group's key: a silence alert is raised with no event at hand.
    var keepsGroupKeys: Bool { false }

    /// Counts an event the rule's conditions let through.
    func consider(_ event: EventView, state: inout RuleState, groupsLeft: inout Int, changes: inout AlertChanges) {
        preconditionFailure("a runner for each way of counting considers events its own way")
    }

    /// The slot of the event's group, created (and put on the due queue) if new and the cap allows.
    final func groupSlot(of event: EventView, state: inout RuleState, groupsLeft: inout Int) -> GroupTable.Slot? {
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
    /// values, unless given) and the occasion it is about (a window, a suppression period, an
    /// event, a silence).
    final func alert(values: [String], groupKey: String? = nil, occasion: String, count: Int, window: AlertWindow?,
                     firstSeen: Timestamp, lastSeen: Timestamp, finding: Finding, events: [String]) -> Alert {
        Alert(key: GroupKey.alertKey(rule: rule.id, group: groupKey ?? GroupKey.make(values), occasion: occasion), rule: rule,
              group: zip(rule.groupBy, values).map { GroupValue(field: $0.description, value: $1) }, count: count,
              window: window, firstSeen: firstSeen, lastSeen: lastSeen, summary: finding.summary, details: finding.details,
              events: events)
    }

    /// Where a suppression period (or, without `suppress`, a window) ends: later events no longer
    /// join the open alert of `period`.
    final func periodEnd(_ period: Int64) -> Int64 {
        if let suppress { return (period + 1) * suppress }
        return window > 0 ? (period + 1) * window : Int64.min
    }

    // MARK: - The clock

    /// When a group is next worth a look: when it could be forgotten.
    func dueTime(of group: GroupState) -> Timestamp {
        var until = group.newest.microseconds + window + lateness + historySpan
        if let open = group.open.first { until = max(until, periodEnd(open.period) + lateness) }
        return Timestamp(microseconds: until)
    }

    /// Looks at the groups due by `clock`.
    final func sweep(state: inout RuleState, clock: Timestamp, idleHorizon: EventDuration, groupsLeft: inout Int,
                     changes: inout AlertChanges) {
        for slot in state.due.takeDue(at: clock) {
            guard let (id, group) = state.groups.group(at: slot) else { continue }
            look(at: id, group, slot: slot, state: &state, clock: clock, idleHorizon: idleHorizon, groupsLeft: &groupsLeft,
                 changes: &changes)
        }
    }

    /// A group due by `clock`: forgotten once quiet for `idleHorizon` past its due time, or put back.
    func look(at id: GroupID, _ group: GroupState, slot: GroupTable.Slot, state: inout RuleState, clock: Timestamp,
              idleHorizon: EventDuration, groupsLeft: inout Int, changes: inout AlertChanges) {
        let forgetAt = dueTime(of: group) + idleHorizon
        if forgetAt <= clock {
            state.groups[id] = nil
            groupsLeft += 1
        } else {
            state.due.add(slot, at: forgetAt)
        }
    }
}
