/// A rule whose ``SilenceDetector`` raises an alert when a group goes quiet: keeps each group's
/// newest event, and when the clock passes it by the window and `lateness`, raises the
/// detector's finding — once: the group keeps the alert open while it stays silent, and its
/// first newer event resolves it. A group whose silence says nothing is forgotten.
final class SilenceRuleRunner: RuleRunner {
    let detector: any SilenceDetector

    init(rule: Rule, detector: any SilenceDetector, groups: GroupResolver) {
        self.detector = detector
        super.init(rule: rule, groups: groups)
    }

    override var keepsGroupKeys: Bool { true }

    /// Follows the group's rhythm with each event newer than the last: how many, since when, the
    /// longest gap; the group's silence starts at its newest. An event newer than a silence
    /// that fired resolves its alert, and the rhythm starts again from it: the silence is no gap
    /// of the pipeline's usual rhythm.
    override func consider(_ event: EventView, state: inout RuleState, groupsLeft: inout Int, changes: inout AlertChanges) {
        guard let slot = groupSlot(of: event, state: &state, groupsLeft: &groupsLeft) else { return }
        let time = event.time
        state.groups.update(slot) { group in
            if group.windows.isEmpty {
                group.windows = [WindowTally(bucket: 0, count: 1, first: time, last: time, evidence: [event.key])]
                return
            }
            if !group.open.isEmpty {
                // Silent since `newest`: an event of that time or before, arriving late, does not end it.
                guard event.groupClockTime > group.newest else { return }
                var resolved = group.open[0].alert
                resolved.resolvedAt = time
                changes.resolve(resolved)
                group.open = []
                group.newest = event.groupClockTime
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
    /// telling, and keeps it open; forgets a group whose silence says nothing; or puts it back
    /// until it has been quiet that long.
    ///
    /// A group whose alert is open stays on the due queue, looked at once a window: the queue
    /// holds each live group once, and an event that ends the silence (in ``consider``) cannot
    /// tell whether the group is on it — after a restart it is, at the due time the group had.
    /// Looking is lazy, so the next look after a return finds the group not yet due and puts it
    /// back at its new due time.
    override func look(at id: GroupID, _ group: GroupState, slot: GroupTable.Slot, state: inout RuleState, clock: Timestamp,
                       idleHorizon: EventDuration, groupsLeft: inout Int, changes: inout AlertChanges) {
        let silentSince = group.newest
        let lookAgain = clock + EventDuration(microseconds: window)
        if !group.open.isEmpty {
            state.due.add(slot, at: lookAgain)
            return
        }
        guard silentSince.microseconds + window + lateness <= clock.microseconds else {
            state.due.add(slot, at: dueTime(of: group))
            return
        }
        let key = state.keys[id] ?? ""
        let values = GroupKey.values(of: key, count: rule.groupBy.count)
        if let finding = detector.finding(silentSince: silentSince, of: group, values: values, rule: rule) {
            let raised = alert(
                values: values, groupKey: key, occasion: "silent:" + String(silentSince.microseconds), count: 0,
                window: AlertWindow(start: silentSince, end: silentSince + EventDuration(microseconds: window)),
                firstSeen: silentSince, lastSeen: silentSince, finding: finding, events: group.windows.first?.evidence ?? [])
            changes.raise(raised)
            state.groups.update(slot) { $0.open = [OpenAlert(period: silentSince.microseconds, alert: raised)] }
            state.due.add(slot, at: lookAgain)
            return
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
