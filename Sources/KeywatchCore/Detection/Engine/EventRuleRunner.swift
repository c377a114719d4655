/// A rule whose ``EventDetector`` decides each event on its own: an alert per finding, or with
/// `suppress` one per group and period.
class EventRuleRunner: RuleRunner {
    let detector: any EventDetector

    init(rule: Rule, detector: any EventDetector, groups: GroupResolver) {
        self.detector = detector
        super.init(rule: rule, groups: groups)
    }

    override func consider(_ event: EventView, state: inout RuleState, groupsLeft: inout Int, changes: inout AlertChanges) {
        guard let finding = finding(for: event, memory: &state.memory) else { return }
        let time = event.time
        func alert(occasion: String) -> Alert {
            self.alert(values: rule.groupValues(of: event), occasion: occasion, count: 1, window: nil, firstSeen: time, lastSeen: time,
                       finding: finding, events: [event.key])
        }
        guard let suppress else {
            changes.raise(alert(occasion: "event:" + event.key))
            return
        }
        // A finding needs a group only to suppress, and finds it only then: most events a
        // cross-namespace rule counts stay in their namespace.
        let period = floorDivide(time.microseconds, suppress)
        guard let slot = groupSlot(of: event, state: &state, groupsLeft: &groupsLeft) else { return }
        state.groups.update(slot) { group in
            if event.groupClockTime > group.newest { group.newest = event.groupClockTime }
            if group.open.first?.period == period {
                group.open[0].alert.join(key: event.key, at: time)
                changes.update(group.open[0].alert)
            } else {
                let raised = alert(occasion: String(period))
                group.open = [OpenAlert(period: period, alert: raised)]
                changes.raise(raised)
            }
        }
    }

    /// The detector's finding for `event`: a runner of a type that needs more than the event
    /// asks it its own way.
    func finding(for event: EventView, memory: inout RuleMemory) -> Finding? {
        detector.finding(for: event, of: rule, memory: &memory)
    }
}

extension EventDetector {
    func runner(for rule: Rule, groups: GroupResolver) -> RuleRunner {
        EventRuleRunner(rule: rule, detector: self, groups: groups)
    }
}
