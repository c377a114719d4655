/// The clock's side of a rule: when each group is next worth a look, and what happens then —
/// a ``SilenceDetector``'s alert, or a quiet group forgotten.
extension RuleRunner {
    /// Keeps the newest event of a ``SilenceDetector``'s group: the group's silence starts there.
    func keepNewest(_ event: EventView, in group: inout GroupState) {
        let time = event.time
        guard time >= group.newest || group.windows.isEmpty else { return }
        group.newest = max(group.newest, event.groupClockTime)
        if group.windows.count == 1 {
            // In place: a new list per event allocated its evidence and freed the old.
            group.windows.update(0) { tally in
                tally.restart(at: time, evidence: event.key)
            }
        } else {
            group.windows = [WindowTally(bucket: 0, count: 1, first: time, last: time, evidence: [event.key])]
        }
    }

    /// When a group is next worth a look: a silent one at the end of its silence; the rest when
    /// they could be forgotten.
    func dueTime(of group: GroupState) -> Timestamp {
        var until = group.newest.microseconds + window + lateness
        if case .silence = counting { return Timestamp(microseconds: until) }
        if let history { until += history }
        if let open = group.open.first { until = max(until, openSlotEnd(open.slot) + lateness) }
        return Timestamp(microseconds: until)
    }

    /// Looks at the groups due by `clock`: raises silence alerts, forgets quiet groups.
    func sweep(state: inout RuleState, clock: Timestamp, idleHorizon: EventDuration, groupsLeft: inout Int,
               changes: inout AlertChanges) {
        for slot in state.due.takeDue(at: clock) {
            guard let (id, group) = state.groups.group(at: slot) else { continue }
            if case .silence(let detector) = counting {
                let silentSince = group.newest
                if silentSince.microseconds + window + lateness <= clock.microseconds {
                    let key = state.keys[id] ?? ""
                    let values = GroupKey.values(of: key, count: rule.groupBy.count)
                    changes.raise(alert(
                        values: values, groupKey: key, slot: "silent:" + String(silentSince.microseconds), count: 0,
                        window: AlertWindow(start: silentSince, end: silentSince + EventDuration(microseconds: window)),
                        firstSeen: silentSince, lastSeen: silentSince,
                        finding: detector.finding(silentSince: silentSince, values: values, rule: rule),
                        events: group.windows.first?.evidence ?? []))
                    state.groups[id] = nil
                    state.keys[id] = nil
                    groupsLeft += 1
                } else {
                    state.due.add(slot, at: dueTime(of: group))
                }
                continue
            }
            let forgetAt = dueTime(of: group) + idleHorizon
            if forgetAt <= clock {
                state.groups[id] = nil
                groupsLeft += 1
            } else {
                state.due.add(slot, at: forgetAt)
            }
        }
    }
}
