/// Detection (docs/rules.md): rules over events, on event time — (state, events) → (state, alerts).
///
/// Pure: no clock, files or database. Ingest hands it each committed batch and stores what it
/// returns in the same transaction; rule tests and backtests hand it events from fixtures and
/// from the store, and get the same alerts.
///
/// Windows are fixed spans of event time aligned to the epoch (`window: 10m` counts 10:00–10:10,
/// 10:10–10:20…), so an alert's window, and with it the alert's key, does not depend on the order
/// events arrived in. A window fires as soon as it qualifies — counts only grow — and stays open
/// for events up to `lateness` behind its group's newest event. With `suppress`, periods of that
/// length (also aligned) hold one alert per group; later events join it.
///
/// Not thread-safe: one engine per writer.
public final class DetectionEngine {
    public let rules: [Rule]
    public let limits: DetectionLimits
    private let runners: [RuleRunner]
    private var states: [RuleState]
    private var clock: Timestamp?
    private var groupsLeft: Int
    private let parser = JSONParser()
    private let context: DerivationContext

    /// - Parameters:
    ///   - state: state restored from the store; a rule whose definition changed starts afresh.
    ///   - identities: what derived fields know of the estate: our accounts and organisations, decoys.
    public init(rules: [Rule], limits: DetectionLimits = DetectionLimits(), state: DetectionState = DetectionState(),
                identities: IdentityMap = .empty) {
        self.rules = rules
        context = DerivationContext(identities: identities, learnedAccounts: state.accounts)
        self.limits = limits
        let groups = GroupResolver()
        runners = rules.map { $0.detector.runner(for: $0, groups: groups) }
        states = runners.map { runner in
            var ruleState = RuleState(fingerprint: runner.fingerprint)
            if let kept = state.rules[runner.rule.id], kept.fingerprint == runner.fingerprint {
                ruleState = kept
                // The due queue is not stored: it follows from the groups.
                if ruleState.due.isEmpty {
                    for (slot, _, group) in ruleState.groups { ruleState.due.add(slot, at: runner.dueTime(of: group)) }
                }
                if !runner.keepsGroupKeys { ruleState.keys = [:] }
            }
            ruleState.memory.capacity = limits.maximumSeenCombinations
            return ruleState
        }
        clock = state.clock
        groupsLeft = limits.maximumGroups - states.reduce(0) { $0 + $1.groups.count }
    }

    /// The state to keep: restore it with ``init(rules:limits:state:)``.
    public var state: DetectionState {
        var state = DetectionState()
        state.clock = clock
        state.accounts = context.learnedAccounts
        for (runner, ruleState) in zip(runners, states) { state.rules[runner.rule.id] = ruleState }
        return state
    }

    /// Runs the rules over the rows of `batch` at `rows` (all when nil), in that order, then
    /// moves the clock as `progress` says and looks at groups the clock has passed.
    /// - Parameters:
    ///   - now: the wall clock, when there is one: events more than
    ///     ``DetectionLimits/futureTolerance`` ahead of it count, but do not move any group's clock
    ///     nor, with ``EventTimeProgress/newestEvent``, detection's.
    ///   - progress: what moves the clock (never back).
    public func process(_ batch: EventBatch, rows: [Int]? = nil, now: Timestamp? = nil,
                        progress: EventTimeProgress = .newestEvent) -> [AlertChange] {
        var changes = AlertChanges()
        let fields = BatchFields(batch: batch, context: context)
        var accounts = AccountLearning(batch: batch, context: context)
        let filters = rules.map { BatchRuleFilter(rule: $0, fields: fields, parser: parser) }
        let limit = now.map { $0 + limits.futureTolerance }
        // The loop works on the state moved into locals — an engine's stored properties, changed
        // in place per event, cost a dynamic exclusivity check each time — and puts it back after.
        var states = self.states
        self.states = []
        var newest = Timestamp(microseconds: .min)
        var groupsLeft = self.groupsLeft
        let loop = zip(runners, filters).map { RuleInLoop(runner: $0, filter: $1) }
        // Rows are read where the batch holds them (see ``EventView``), and the states changed
        // where their buffer holds them, without a uniqueness check per event and rule.
        batch.rows.withUnsafeBufferPointer { batchRows in
            states.withUnsafeMutableBufferPointer { states in
                guard let first = batchRows.baseAddress else { return }
                let event = EventView(rowAddress: first, fields: fields, latestGroupClock: limit ?? Timestamp(microseconds: .max))
                for next in 0..<(rows?.count ?? batchRows.count) {
                    let row = rows?[next] ?? next
                    precondition(row >= 0 && row < batchRows.count, "row \(row) is not in the batch")
                    event.rowAddress = first + row
                    accounts.learn(from: event.rowAddress)
                    let time = event.time
                    if time > newest, limit == nil || time <= limit! { newest = time }
                    for index in loop.indices where loop[index].filter.counts(event.rowAddress, raw: &event.raw) {
                        loop[index].runner.consider(event, state: &states[index], groupsLeft: &groupsLeft, changes: &changes)
                    }
                }
            }
        }
        withExtendedLifetime((runners, filters)) {}
        switch progress {
        case .newestEvent: if newest.microseconds != .min { moveClock(to: newest) }
        case .watermark(let watermark): if let watermark { moveClock(to: watermark) }
        }
        // Swept before they go back: while both this local and the property held the states, the
        // sweep's first change to a group copied the whole page of groups it sits in.
        sweep(&states, clock: clock, groupsLeft: &groupsLeft, changes: &changes)
        self.states = states
        self.groupsLeft = groupsLeft
        return changes.list
    }

    private func moveClock(to time: Timestamp) {
        if clock == nil || time > clock! { clock = time }
    }

    /// Moves the clock to `time` (never back) and looks at the groups it passed: how a daemon
    /// raises `absence` alerts when every source has gone quiet and no event moves the clock.
    public func advance(to time: Timestamp) -> [AlertChange] {
        moveClock(to: time)
        var changes = AlertChanges()
        var states = self.states
        self.states = []
        sweep(&states, clock: clock, groupsLeft: &groupsLeft, changes: &changes)
        self.states = states
        return changes.list
    }

    /// Looks at the groups the clock has passed: raises `absence` alerts, forgets idle groups.
    /// Works on states held by the caller alone (see ``process(_:rows:now:)``).
    private func sweep(_ states: inout [RuleState], clock: Timestamp?, groupsLeft: inout Int, changes: inout AlertChanges) {
        guard let clock else { return }
        for index in runners.indices {
            runners[index].sweep(state: &states[index], clock: clock, idleHorizon: limits.idleHorizon,
                                 groupsLeft: &groupsLeft, changes: &changes)
        }
    }

    /// What detection has had to leave out, per rule.
    public var report: DetectionReport {
        DetectionReport(
            clock: clock, liveGroups: limits.maximumGroups - groupsLeft, maximumGroups: limits.maximumGroups,
            rules: zip(runners, states).map { runner, state in
                DetectionReport.RuleCounts(rule: runner.rule.id, liveGroups: state.groups.count, late: state.late,
                                           refused: state.refused + state.memory.refused,
                                                     seenCombinations: state.memory.seen.count, lastLate: state.lastLate)
            })
    }
}

/// Learns the account of each event the engine reads before the rules read it, so that an
/// event's own account is ours (``DerivationContext``): each string of the batch once.
private struct AccountLearning {
    private let batch: EventBatch
    private let context: DerivationContext
    private var learned: [Bool]

    init(batch: EventBatch, context: DerivationContext) {
        self.batch = batch
        self.context = context
        learned = context.learnsAccounts ? Array(repeating: false, count: batch.strings.count) : []
    }

    @inline(__always)
    mutating func learn(from row: UnsafePointer<EventRow>) {
        let account = row.pointee.account
        guard !learned.isEmpty, !account.isNone, !learned[Int(account.rawValue)] else { return }
        learned[Int(account.rawValue)] = true
        if row.pointee.source != .azureKeyVault, let text = batch.string(account) { context.learn(account: text) }
    }
}

/// One rule as detection's loop reads it: plain values, so that asking every rule about every
/// event retains nothing. The references are unowned: the engine holds the runners, and
/// ``DetectionEngine/process(_:rows:now:)`` the filters, until the loop is done.
private struct RuleInLoop {
    let filter: BatchRuleFilter.Verdicts
    unowned(unsafe) let runner: RuleRunner

    init(runner: RuleRunner, filter: BatchRuleFilter) {
        self.filter = filter.verdicts
        self.runner = runner
    }
}
