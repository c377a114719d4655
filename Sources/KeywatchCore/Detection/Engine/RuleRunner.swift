/// Limits on what detection keeps in memory.
public struct DetectionLimits: Sendable, Equatable {
    /// Live groups over all rules; a new group beyond it is not counted (and reported).
    public var maximumGroups: Int
    /// Combinations a `first_seen` rule remembers; beyond it, nothing new is learned (and reported).
    public var maximumSeenCombinations: Int
    /// How far past `now` an event's time may be and still move the clock: a record from the
    /// future must not close everyone's windows.
    public var futureTolerance: EventDuration
    /// How long a quiet group is kept after its windows close. A backfill reads an hour-long
    /// Key Vault blob before the CloudTrail files of the same hour, so the clock runs up to an
    /// hour ahead of a group that is still receiving events.
    public var idleHorizon: EventDuration

    public init(maximumGroups: Int = 2_000_000, maximumSeenCombinations: Int = 5_000_000,
                futureTolerance: EventDuration = .minutes(5), idleHorizon: EventDuration = .hours(1)) {
        self.maximumGroups = maximumGroups
        self.maximumSeenCombinations = maximumSeenCombinations
        self.futureTolerance = futureTolerance
        self.idleHorizon = idleHorizon
    }
}

/// One rule at work: decides which of a batch's events count, keeps the rule's groups, and
/// raises or joins alerts. Its state is ``RuleState``; it keeps only a cache of the current
/// batch's group keys. A class so that calling it does not copy the rule.
final class RuleRunner {
    let rule: Rule
    /// The window, in microseconds (0 for rules without one).
    let window: Int64
    let lateness: Int64
    let suppress: Int64?

    /// - Parameters:
    ///   - identities: the engine's memo of group identities, shared by its rules.
    ///   - groups: the batch's groups, shared by the engine's rules of the same `group_by`.
    init(rule: Rule, identities: GroupIdentityMemo, groups: BatchGroupCache) {
        self.rule = rule
        self.identities = identities
        groupCache = groups
        window = rule.window?.microseconds ?? 0
        lateness = rule.lateness.microseconds
        suppress = rule.suppress?.microseconds
        slotFields = Self.slotFields(of: rule.groupBy)
        slotLocations = slotFields?.map { RowFieldLocation($0)! }
    }

    /// The engine's memo of group identities (see `RuleRunner+Groups.swift`).
    let identities: GroupIdentityMemo

    /// The `group_by` fields when the batch's cache can key them: up to four, each in the string
    /// table or enumerated.
    let slotFields: [NormalizedField]?
    /// Where each of ``slotFields`` sits in a row.
    let slotLocations: [RowFieldLocation]?

    var fingerprint: String { rule.id + "@" + rule.fileSHA256 }

    /// The current batch's groups (see ``BatchGroupCache``).
    let groupCache: BatchGroupCache

    /// A window keeps the keys of its events from this count on: the last ones before it can
    /// fire, and the first after. Most groups never come near firing; a million of them holding
    /// twenty keys each would hold a gigabyte.
    var evidenceFrom: Int {
        switch rule.kind {
        case .threshold(let threshold), .distinct(_, let threshold): return max(0, threshold - Alert.evidenceLimit)
        case .spike(_, _, let minimumCount): return max(0, minimumCount - Alert.evidenceLimit)
        default: return 0
        }
    }

    // MARK: - Events

    func consider(_ event: Arrival, state: inout RuleState, groupsLeft: inout Int, limits: DetectionLimits,
                  changes: inout AlertChanges) {
        let time = event.time

        // Types that fire on single events need a group only to suppress, and find it only then:
        // most events a cross-namespace rule sees stay in their namespace, and finding the group
        // of each was a third of detection's group look-ups.
        switch rule.kind {
        case .match:
            fireOrJoin(event, state: &state, groupsLeft: &groupsLeft, changes: &changes,
                       details: [], summary: { AlertText.eventSummary(event) })
            return
        case .crossNamespace:
            let namespace = event.fields.text(of: .namespace, in: event.row)
            let owner = event.fields.text(of: .resourceNamespace, in: event.row)
            guard !namespace.isEmpty, !owner.isEmpty, namespace.lowercased() != owner.lowercased() else { return }
            fireOrJoin(event, state: &state, groupsLeft: &groupsLeft, changes: &changes,
                       details: [AlertDetail("namespace", .text(namespace)), AlertDetail("resource_namespace", .text(owner))],
                       summary: { AlertText.crossNamespaceSummary(event, namespace: namespace, owner: owner) })
            return
        case .firstSeen(let fields, let learn):
            let combination = fields.map(event.text(of:))
            let digest = GroupKey.digest64(GroupKey.make(combination))
            if state.learningSince == nil || time < state.learningSince! { state.learningSince = time }
            guard !state.seen.contains(digest) else { return }
            guard state.seen.count < limits.maximumSeenCombinations else {
                state.refused += 1
                return
            }
            state.seen.insert(digest)
            guard time >= state.learningSince! + learn else { return }
            let pairs = zip(fields, combination).map { GroupValue(field: $0.description, value: $1) }
            fireOrJoin(event, state: &state, groupsLeft: &groupsLeft, changes: &changes,
                       details: pairs.map { AlertDetail($0.field, .text($0.value)) },
                       summary: { AlertText.firstSeenSummary(pairs, event: event) })
            return
        case .threshold, .distinct, .spike, .absence:
            break
        }

        guard let slot = groupSlot(group(of: event), of: event, state: &state, groupsLeft: &groupsLeft) else { return }
        if case .absence = rule.kind {
            // Only the newest event matters: the group's silence starts there.
            state.groups.update(slot) { group in
                if time >= group.newest || group.windows.isEmpty {
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
            }
            return
        }
        let counted = state.groups.update(slot) { group in
            count(event, in: &group, changes: &changes)
        }
        if !counted { state.late += 1 }
    }

    /// Counts an event of a windowed rule into its group; false when it came too late.
    private func count(_ event: Arrival, in group: inout GroupState, changes: inout AlertChanges) -> Bool {
        let time = event.time
        // Late: its window closed — the group's clock passed the window's end by `lateness`.
        if (floorDivide(time.microseconds, window) + 1) * window <= group.newest.microseconds - lateness { return false }
        if event.groupClockTime > group.newest { group.newest = event.groupClockTime }
        closeWindows(of: &group)

        switch rule.kind {
        case .threshold(let threshold):
            countInWindow(event, group: &group, changes: &changes) { tally, _ in
                tally.count >= threshold ? (AlertText.thresholdSummary(tally.count, values: groupByValues(of: event), rule: rule),
                                            [AlertDetail("threshold", .integer(threshold))]) : nil
            }
        case .distinct(let field, let threshold):
            let value = event.text(of: field)
            guard !value.isEmpty else { return true }
            countInWindow(event, group: &group, changes: &changes,
                          distinctValue: value) { tally, _ in
                guard tally.values.count >= threshold else { return nil }
                return (AlertText.distinctSummary(tally.values.count, field: field, values: groupByValues(of: event), rule: rule),
                        [AlertDetail("field", .text(field.description)), AlertDetail("threshold", .integer(threshold)),
                         AlertDetail("distinct", .integer(tally.values.count)),
                         AlertDetail("values", .list(tally.values.sorted()))])
            }
        case .spike(let baseline, let factor, let minimumCount):
            let spans = max(1, baseline.microseconds / window)
            countInWindow(event, group: &group, changes: &changes) { tally, group in
                guard tally.count >= minimumCount else { return nil }
                // A baseline needs the group to have been seen a whole span before this window.
                guard group.since.microseconds <= (tally.bucket - spans) * window else { return nil }
                let mean = Double(baselineCount(group, before: tally.bucket, spans: spans)) / Double(spans)
                guard Double(tally.count) >= factor * mean else { return nil }
                return (AlertText.spikeSummary(tally.count, mean: mean, values: groupByValues(of: event), rule: rule),
                        [AlertDetail("baseline_mean", .number((mean * 100).rounded() / 100)), AlertDetail("factor", .number(factor)),
                         AlertDetail("min_count", .integer(minimumCount)), AlertDetail("baseline", .text(baseline.description))])
            }
        case .match, .crossNamespace, .firstSeen, .absence:
            break
        }
        return true
    }

    /// Whether the rule keeps each group's key: absence alerts are raised with no event at hand.
    var keepsGroupKeys: Bool {
        if case .absence = rule.kind { return true }
        return false
    }

    /// The slot of group `id`, created (and put on the due queue) if new and the cap allows.
    private func groupSlot(_ id: GroupID, of event: Arrival, state: inout RuleState,
                           groupsLeft: inout Int) -> GroupTable.Slot? {
        if let slot = state.groups.slot(of: id) { return slot }
        guard groupsLeft > 0 else {
            state.refused += 1
            return nil
        }
        groupsLeft -= 1
        let group = GroupState(at: event.groupClockTime)
        if keepsGroupKeys { state.keys[id] = GroupKey.make(groupByValues(of: event)) }
        let slot = state.groups.insert(group, for: id)
        state.due.add(slot, at: dueTime(of: group))
        return slot
    }

    /// Counts an event into its window; `fires` says, for a window that has not fired, whether it
    /// fires now, with the summary and details. Changes the window in place: a copy of it would
    /// copy its evidence and distinct values on every event.
    private func countInWindow(
        _ event: Arrival, group: inout GroupState, changes: inout AlertChanges,
        distinctValue: String? = nil, fires: (WindowTally, GroupState) -> (String, [AlertDetail])?
    ) {
        let time = event.time
        let bucket = floorDivide(time.microseconds, window)
        let (position, found) = group.windows.position(ofBucket: bucket)
        if !found { group.windows.insert(WindowTally(bucket: bucket, count: 0, first: time, last: time), at: position) }
        let slot = suppress.map { floorDivide(bucket * window, $0) } ?? bucket
        // Read in place: `open.first` would copy the open alert.
        let joinsOpenAlert = !group.open.isEmpty && group.open[0].slot == slot
        let evidenceFrom = self.evidenceFrom
        let firedBefore = group.windows.update(position) { tally in
            tally.count += 1
            if time < tally.first { tally.first = time }
            if time > tally.last { tally.last = time }
            if tally.count > evidenceFrom, tally.evidence.count < Alert.evidenceLimit { tally.evidence.append(event.key) }
            if let distinctValue, tally.values.count < Self.distinctValuesKept { tally.values.insert(distinctValue) }
            let fired = tally.fired
            if joinsOpenAlert { tally.fired = true }
            return fired
        }
        if joinsOpenAlert {
            group.open[0].alert.join(key: event.key, at: time)
            if let distinctValue { group.open[0].alert.addDistinctValue(distinctValue, keeping: Self.distinctValuesKept) }
            changes.update(group.open[0].alert)
        } else if !firedBefore, let (summary, details) = fires(group.windows[position], group) {
            group.windows[position].fired = true
            let tally = group.windows[position]
            let values = groupByValues(of: event)
            let alert = Alert(
                key: GroupKey.alertKey(rule: rule.id, group: GroupKey.make(values), slot: String(slot)), rule: rule,
                group: groupValues(values), count: tally.count,
                window: AlertWindow(start: Timestamp(microseconds: bucket * window), end: Timestamp(microseconds: (bucket + 1) * window)),
                firstSeen: tally.first, lastSeen: tally.last, summary: summary, details: details, events: tally.evidence)
            group.open = [OpenAlert(slot: slot, alert: alert)]
            changes.raise(alert)
        }
    }

    /// How many distinct values a window keeps (for the alert's details), beyond any threshold.
    static let distinctValuesKept = 100

    /// Raises an alert for one event, or joins it to the group's open alert of the same
    /// suppression period. Without `suppress`, each event is its own alert. The summary is made
    /// only for an alert raised.
    private func fireOrJoin(_ event: Arrival, state: inout RuleState,
                            groupsLeft: inout Int, changes: inout AlertChanges, details: [AlertDetail], summary: () -> String) {
        let time = event.time
        func alert(slot: String) -> Alert {
            let values = groupByValues(of: event)
            return Alert(key: GroupKey.alertKey(rule: rule.id, group: GroupKey.make(values), slot: slot), rule: rule, group: groupValues(values),
                         count: 1, window: nil, firstSeen: time, lastSeen: time, summary: summary(), details: details, events: [event.key])
        }
        guard let suppress else {
            changes.raise(alert(slot: "event:" + event.key))
            return
        }
        let slot = floorDivide(time.microseconds, suppress)
        guard let groupSlot = groupSlot(group(of: event), of: event, state: &state, groupsLeft: &groupsLeft) else { return }
        state.groups.update(groupSlot) { group in
            if event.groupClockTime > group.newest { group.newest = event.groupClockTime }
            if group.open.first?.slot == slot {
                group.open[0].alert.join(key: event.key, at: time)
                changes.update(group.open[0].alert)
            } else {
                let raised = alert(slot: String(slot))
                group.open = [OpenAlert(slot: slot, alert: raised)]
                changes.raise(raised)
            }
        }
    }

    private func groupValues(_ values: [String]) -> [GroupValue] {
        zip(rule.groupBy, values).map { GroupValue(field: $0.description, value: $1) }
    }

    // MARK: - Windows

    /// Drops windows the group's own clock has closed; a spike rule keeps their counts as history.
    private func closeWindows(of group: inout GroupState) {
        guard window > 0 else { return }
        let closedBefore = group.newest.microseconds - lateness
        while let first = group.windows.oldest, (first.bucket + 1) * window <= closedBefore {
            if case .spike = rule.kind { group.history.append(BucketCount(bucket: first.bucket, count: first.count)) }
            group.windows.removeFirst()
        }
        if case .spike(let baseline, _, _) = rule.kind {
            let oldest = floorDivide(closedBefore, window) - max(1, baseline.microseconds / window) - 1
            if let keep = group.history.firstIndex(where: { $0.bucket >= oldest }) {
                group.history.removeFirst(keep)
            } else {
                group.history.removeAll()
            }
        }
        if let open = group.open.first, openSlotEnd(open) <= closedBefore { group.open = [] }
    }

    /// Events of the `spans` windows before `bucket`, closed or still open.
    private func baselineCount(_ group: GroupState, before bucket: Int64, spans: Int64) -> Int {
        let range = (bucket - spans)..<bucket
        return group.history.reduce(0) { range.contains($1.bucket) ? $0 + $1.count : $0 }
            + group.windows.reduce(0) { range.contains($1.bucket) ? $0 + $1.count : $0 }
    }

    private func openSlotEnd(_ open: OpenAlert) -> Int64 {
        if let suppress { return (open.slot + 1) * suppress }
        return window > 0 ? (open.slot + 1) * window : Int64.min
    }

    // MARK: - The clock

    /// When a group is next worth a look: absence at the end of its silence; the rest when they
    /// could be forgotten.
    func dueTime(of group: GroupState) -> Timestamp {
        var until = group.newest.microseconds + window + lateness
        if case .spike(let baseline, _, _) = rule.kind { until += baseline.microseconds }
        if case .absence = rule.kind { return Timestamp(microseconds: until) }
        if let open = group.open.first { until = max(until, openSlotEnd(open) + lateness) }
        return Timestamp(microseconds: until)
    }

    /// Looks at the groups due by `clock`: raises absence alerts, forgets quiet groups.
    func sweep(state: inout RuleState, clock: Timestamp, idleHorizon: EventDuration, groupsLeft: inout Int,
               changes: inout AlertChanges) {
        for slot in state.due.takeDue(at: clock) {
            guard let (id, group) = state.groups.group(at: slot) else { continue }
            if case .absence = rule.kind {
                let silentSince = group.newest
                if silentSince.microseconds + window + lateness <= clock.microseconds {
                    let key = state.keys[id] ?? ""
                    let values = GroupKey.values(of: key, count: rule.groupBy.count)
                    let evidence = group.windows.first?.evidence ?? []
                    changes.raise(Alert(
                        key: GroupKey.alertKey(rule: rule.id, group: key, slot: "silent:" + String(silentSince.microseconds)),
                        rule: rule, group: groupValues(values), count: 0,
                        window: AlertWindow(start: silentSince, end: silentSince + EventDuration(microseconds: window)),
                        firstSeen: silentSince, lastSeen: silentSince,
                        summary: AlertText.absenceSummary(values: values, since: silentSince, rule: rule),
                        details: [AlertDetail("last_event", .text(silentSince.rfc3339)),
                                  AlertDetail("silent_for", .text(EventDuration(microseconds: window).description))],
                        events: evidence))
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

/// Division rounding toward negative infinity (event times before 1970 exist in hostile input).
@inline(__always)
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}
