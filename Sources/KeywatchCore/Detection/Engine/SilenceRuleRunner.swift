/// A rule whose ``SilenceDetector`` raises an alert when a group goes quiet: keeps each group's
/// newest event, and when the clock passes it by the window and `lateness`, raises the
/// detector's finding and forgets the group.
final class SilenceRuleRunner: RuleRunner {
    let detector: any SilenceDetector

    init(rule: Rule, detector: any SilenceDetector, groups: GroupResolver) {
        self.detector = detector
        super.init(rule: rule, groups: groups)
    }

    override var keepsGroupKeys: Bool { true }

    /// Follows the group's rhythm with each event newer than the last: how many, since when, the
    /// longest gap; the group's silence starts at its newest.
    override func consider(_ event: EventView, state: inout RuleState, groupsLeft: inout Int, changes: inout AlertChanges) {
        guard let slot = groupSlot(of: event, state: &state, groupsLeft: &groupsLeft) else { return }
        let time = event.time
        state.groups.update(slot) { group in
            if group.windows.isEmpty {
                group.windows = [WindowTally(bucket: 0, count: 1, first: time, last: time, evidence: [event.key])]
                return
            }
            guard time >= group.windows[0].last else { return }
            group.newest = max(group.newest, event.groupClockTime)
            // In place, keeping the evidence array's storage: most events a silence rule sees
            // are its groups' newest.
            group.windows.update(0) { tally in tally.follow(at: time, evidence: event.key) }
        }
    }

    /// At the end of its silence.
    override func dueTime(of group: GroupState) -> Timestamp {
        Timestamp(microseconds: group.newest.microseconds + window + lateness)
    }

    /// Raises the silence alert of a group quiet for the window, if the detector finds its silence
    /// telling, and forgets it; or puts it back until it has been quiet that long.
    override func look(at id: GroupID, _ group: GroupState, slot: GroupTable.Slot, state: inout RuleState, clock: Timestamp,
                       idleHorizon: EventDuration, groupsLeft: inout Int, changes: inout AlertChanges) {
        let silentSince = group.newest
        guard silentSince.microseconds + window + lateness <= clock.microseconds else {
            state.due.add(slot, at: dueTime(of: group))
            return
        }
        let key = state.keys[id] ?? ""
        let values = GroupKey.values(of: key, count: rule.groupBy.count)
        if let finding = detector.finding(silentSince: silentSince, of: group, values: values, rule: rule) {
            changes.raise(alert(
                values: values, groupKey: key, occasion: "silent:" + String(silentSince.microseconds), count: 0,
                window: AlertWindow(start: silentSince, end: silentSince + EventDuration(microseconds: window)),
                firstSeen: silentSince, lastSeen: silentSince, finding: finding, events: group.windows.first?.evidence ?? []))
        }
        state.groups[id] = nil
        state.keys[id] = nil
        groupsLeft += 1
    }
}

extension SilenceDetector {
    func runner(for rule: Rule, groups: GroupResolver) -> RuleRunner {
        SilenceRuleRunner(rule: rule, detector: self, groups: groups)
    }
}
