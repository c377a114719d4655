/// A rule whose ``WindowDetector`` counts a group's events in windows of event time: counting
/// them in, asking the detector whether a window fires, closing windows as the group's own clock
/// passes them.
final class WindowRuleRunner: RuleRunner {
    let detector: any WindowDetector
    /// From which count on a window keeps evidence (``WindowDetector/evidenceFrom``).
    let evidenceFrom: Int
    /// Whether closed windows' counts are kept (``WindowDetector/history``).
    let keepsHistory: Bool

    init(rule: Rule, detector: any WindowDetector, groups: GroupResolver) {
        self.detector = detector
        evidenceFrom = detector.evidenceFrom
        keepsHistory = detector.history != nil
        super.init(rule: rule, groups: groups, historySpan: detector.history)
    }

    override func consider(_ event: EventView, state: inout RuleState, groupsLeft: inout Int, changes: inout AlertChanges) {
        guard let slot = groupSlot(of: event, state: &state, groupsLeft: &groupsLeft) else { return }
        // Nil when counted; else the newest event of the group it came too late for.
        let lateBehind = state.groups.update(slot) { group in count(event, in: &group, changes: &changes) ? nil : group.newest }
        guard let newest = lateBehind else { return }
        state.late += 1
        state.lastLate = LateEvent(group: rule.describeGroup(of: event), time: event.time,
                                   behind: EventDuration(microseconds: newest.microseconds - event.time.microseconds))
    }

    /// Counts an event into its group's window; false when it came too late.
    private func count(_ event: EventView, in group: inout GroupState, changes: inout AlertChanges) -> Bool {
        let time = event.time
        // Late: its window closed — the group's clock passed the window's end by `lateness`.
        if (floorDivide(time.microseconds, window) + 1) * window <= group.newest.microseconds - lateness { return false }
        if event.groupClockTime > group.newest { group.newest = event.groupClockTime }
        closeWindows(of: &group)
        let value = detector.collectedValue(of: event)
        if let value, value.isEmpty { return true }
        countInWindow(event, group: &group, collecting: value, changes: &changes)
        return true
    }

    /// Counts an event into its window, and asks the detector whether a window that has not
    /// fired fires now. Changes the window in place: a copy of it would copy its evidence and
    /// collected values on every event.
    private func countInWindow(_ event: EventView, group: inout GroupState, collecting value: String?,
                               changes: inout AlertChanges) {
        let time = event.time
        let bucket = floorDivide(time.microseconds, window)
        let (position, found) = group.windows.position(ofBucket: bucket)
        if !found { group.windows.insert(WindowTally(bucket: bucket, count: 0, first: time, last: time), at: position) }
        let period = suppress.map { floorDivide(bucket * window, $0) } ?? bucket
        // Read in place: `open.first` would copy the open alert.
        let joinsOpenAlert = !group.open.isEmpty && group.open[0].period == period
        let evidenceFrom = self.evidenceFrom
        let firedBefore = group.windows.update(position) { tally in
            tally.count += 1
            if time < tally.first { tally.first = time }
            if time > tally.last { tally.last = time }
            if tally.count > evidenceFrom, tally.evidence.count < Alert.evidenceLimit { tally.evidence.append(event.key) }
            if let value, tally.values.count < WindowTally.valuesKept { tally.values.insert(value) }
            let fired = tally.fired
            if joinsOpenAlert { tally.fired = true }
            return fired
        }
        if joinsOpenAlert {
            group.open[0].alert.join(key: event.key, at: time)
            if group.open[0].alert.window?.start.microseconds == bucket * window,
               let finding = detector.finding(in: group.windows[position], of: group, event: event, rule: rule) {
                // An event of the window that fired: its summary and details say the window as it
                // now stands, so that "5 events" never sits beside a count of 6.
                group.open[0].alert.summary = finding.summary
                group.open[0].alert.details = finding.details
            } else if let value {
                group.open[0].alert.addDistinctValue(value, keeping: WindowTally.valuesKept)
            }
            changes.update(group.open[0].alert)
        } else if !firedBefore, let finding = detector.finding(in: group.windows[position], of: group, event: event, rule: rule) {
            group.windows[position].fired = true
            let tally = group.windows[position]
            let raised = alert(
                values: rule.groupValues(of: event), occasion: String(period), count: tally.count,
                window: AlertWindow(start: Timestamp(microseconds: bucket * window), end: Timestamp(microseconds: (bucket + 1) * window)),
                firstSeen: tally.first, lastSeen: tally.last, finding: finding, events: tally.evidence)
            group.open = [OpenAlert(period: period, alert: raised)]
            changes.raise(raised)
        }
    }

    /// Drops windows the group's own clock has closed, keeping their counts as history when the
    /// detector asks for it.
    private func closeWindows(of group: inout GroupState) {
        let closedBefore = group.newest.microseconds - lateness
        while let first = group.windows.oldest, (first.bucket + 1) * window <= closedBefore {
            if keepsHistory { group.history.append(BucketCount(bucket: first.bucket, count: first.count)) }
            group.windows.removeFirst()
        }
        if keepsHistory {
            let oldest = floorDivide(closedBefore, window) - max(1, historySpan / window) - 1
            if let keep = group.history.firstIndex(where: { $0.bucket >= oldest }) {
                group.history.removeFirst(keep)
            } else {
                group.history.removeAll()
            }
        }
        if let open = group.open.first, periodEnd(open.period) <= closedBefore { group.open = [] }
    }
}

extension WindowDetector {
    func runner(for rule: Rule, groups: GroupResolver) -> RuleRunner {
        WindowRuleRunner(rule: rule, detector: self, groups: groups)
    }
}
