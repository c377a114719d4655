/// Findings of an ``EventDetector``: an alert each, or with `suppress` one per group and period.
extension RuleRunner {
    /// Raises an alert for `finding`, or joins it to the group's open alert of the same
    /// suppression period. Without `suppress`, each event is its own alert.
    func raiseOrJoin(_ finding: Finding, of event: EventView, state: inout RuleState, groupsLeft: inout Int,
                     changes: inout AlertChanges) {
        let time = event.time
        func alert(slot: String) -> Alert {
            self.alert(values: rule.groupValues(of: event), slot: slot, count: 1, window: nil, firstSeen: time, lastSeen: time,
                       finding: finding, events: [event.key])
        }
        guard let suppress else {
            changes.raise(alert(slot: "event:" + event.key))
            return
        }
        let period = floorDivide(time.microseconds, suppress)
        guard let slot = groupSlot(of: event, state: &state, groupsLeft: &groupsLeft) else { return }
        state.groups.update(slot) { group in
            if event.groupClockTime > group.newest { group.newest = event.groupClockTime }
            if group.open.first?.slot == period {
                group.open[0].alert.join(key: event.key, at: time)
                changes.update(group.open[0].alert)
            } else {
                let raised = alert(slot: String(period))
                group.open = [OpenAlert(slot: period, alert: raised)]
                changes.raise(raised)
            }
        }
    }
}
