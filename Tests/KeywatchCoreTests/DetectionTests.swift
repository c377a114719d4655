import Testing
@testable import KeywatchCore

/// The detection engine on event time: every rule type's edges, lateness, order, suppression,
/// restarts and caps.
@Suite("Detection")
struct DetectionTests {
    let deniedBurst = rule("""
        id: denied-burst
        type: threshold
        where: {outcome: denied}
        group_by: [principal]
        window: 10m
        threshold: 5
        """)

    @Test("a threshold fires exactly at the threshold, not one below")
    func thresholdEdges() {
        let four = (0..<4).map { kmsCall(at: at($0 * 30), denied: true) }
        #expect(detect([deniedBurst], [four]).isEmpty)
        let five = four + [kmsCall(at: at(150), denied: true)]
        let alerts = detect([deniedBurst], [five])
        #expect(alerts.count == 1)
        #expect(alerts.first?.count == 5)
        #expect(alerts.first?.groupValue("principal") == roleARN("app-role"))
        #expect(alerts.first?.window == AlertWindow(start: Timestamp(parsing: at(0))!, end: Timestamp(parsing: at(600))!))
        #expect(alerts.first?.events.count == 5)
        #expect(alerts.first?.summary == "5 events for principal=\(roleARN("app-role")) within 10m")
    }

    @Test("events that join a fired window keep its summary true to its count: six events, not five beside a count of 6")
    func summaryFollowsTheWindow() {
        let six = (0..<6).map { kmsCall(at: at($0 * 30), denied: true) }
        let alerts = detect([deniedBurst], [Array(six.prefix(5)), Array(six.suffix(1))])
        #expect(alerts.count == 1)
        #expect(alerts.first?.count == 6)
        #expect(alerts.first?.summary == "6 events for principal=\(roleARN("app-role")) within 10m")

        let many = manyKeysRule(threshold: 2)
        let keys = ["0d7c1a3b-5e2f-4a6d-9b8c-7e1f2a3b4c5d", "6513270e-269e-4d37-b2a7-4de452e6b438", "1234abcd-12ab-34cd-56ef-1234567890ab"]
        let threeKeys = keys.indices.map { kmsCall(at: at($0), key: keys[$0]) }
        let distinct = detect([many], [threeKeys])
        #expect(distinct.first?.summary.hasPrefix("3 distinct resource values") == true)
        #expect(distinct.first?.details.first { $0.name == "distinct" }?.value == .integer(3))
    }

    @Test("windows are aligned to the epoch: five denials split 3 + 2 across a boundary do not fire")
    func alignedWindows() {
        let split = [570, 580, 590, 600, 610].map { kmsCall(at: at($0), denied: true) }
        #expect(detect([deniedBurst], [split]).isEmpty)
    }

    @Test("successes, and other principals, do not count toward a group")
    func groupsAreSeparate() {
        let mixed = (0..<4).map { kmsCall(at: at($0), denied: true) } + [kmsCall(at: at(5))]
            + [kmsCall(at: at(6), by: "other-role", denied: true)]
        #expect(detect([deniedBurst], [mixed]).isEmpty)
    }

    @Test("groups by enumerated fields keep their values apart, within a batch and across batches")
    func enumeratedGroups() {
        let byOutcome = rule("""
            id: by-outcome
            type: threshold
            where: {operation: Decrypt}
            group_by: [source, outcome]
            window: 10m
            threshold: 3
            """)
        // Two successes and a denial in the first batch, one more success in the second: only
        // the successes reach three, and one alert counts them.
        let alerts = detect([byOutcome], [[kmsCall(at: at(1)), kmsCall(at: at(2)), kmsCall(at: at(3), denied: true)],
                                          [kmsCall(at: at(4))]])
        #expect(alerts.count == 1)
        #expect(alerts.first?.groupValue("outcome") == "success")
        #expect(alerts.first?.count == 3)
    }

    @Test("an event just inside the lateness bound counts; one just past it does not")
    func lateness() {
        let lateRule = rule("""
            id: denied-burst
            type: threshold
            where: {outcome: denied}
            group_by: [principal]
            window: 10m
            lateness: 5m
            threshold: 2
            """)
        // The window 09:10–09:20 closes when the group's clock reaches 09:20 + 5m lateness.
        let inside = [kmsCall(at: at(1499), denied: true)]  // clock at 09:24:59: still open
        let past = [kmsCall(at: at(1500), denied: true)]    // clock at 09:25:00: closed
        let first = [kmsCall(at: at(600), denied: true)]
        let late = [kmsCall(at: at(1199), denied: true)]
        let engine = DetectionEngine(rules: [lateRule])
        #expect(detect([lateRule], [first, past, late], engine: engine).isEmpty)
        #expect(engine.report.rules[0].late == 1)
        let alerts = detect([lateRule], [first, inside, late])
        #expect(alerts.map(\.count) == [2])
        #expect(alerts.first?.window?.start == Timestamp(parsing: at(600)))
    }

    @Test("out-of-order input raises the same alerts, with the same keys, as sorted input")
    func outOfOrder() {
        let times = [0, 30, 60, 90, 120, 700, 710, 720, 730, 740, 1300, 1310]
        let sorted = times.map { kmsCall(at: at($0), denied: true) }
        var shuffled = sorted
        shuffled.swapAt(0, 4)
        shuffled.swapAt(5, 9)
        shuffled.swapAt(2, 7)
        let inOrder = detect([deniedBurst], [sorted])
        let mixedUp = detect([deniedBurst], [Array(shuffled[0..<6]), Array(shuffled[6...])])
        #expect(inOrder.count == 2)
        #expect(inOrder.map(\.key) == mixedUp.map(\.key))
        #expect(inOrder.map(\.count) == mixedUp.map(\.count))
    }

    @Test("suppression holds one alert per group per period; later events join it; a new period alerts again")
    func suppression() {
        let suppressed = rule("""
            id: denied-burst
            type: threshold
            where: {outcome: denied}
            group_by: [principal]
            window: 10m
            threshold: 2
            suppress: 1h
            """)
        let first = [0, 10].map { kmsCall(at: at($0), denied: true) }
        let laterSameHour = [1800, 1810, 1820].map { kmsCall(at: at($0), denied: true) }
        let nextHour = [3600, 3610].map { kmsCall(at: at($0), denied: true) }
        let alerts = detect([suppressed], [first, laterSameHour, nextHour])
        #expect(alerts.count == 2)
        #expect(alerts.first?.count == 5)
        #expect(alerts.first?.lastSeen == Timestamp(parsing: at(1820)))
        #expect(alerts.last?.count == 2)
        #expect(alerts.first?.key != alerts.last?.key)
    }

    @Test("match raises one alert per event; unless removes the allowlisted")
    func matchWithAllowlist() {
        let destruction = rule("""
            id: key-destruction
            type: match
            where: {operation: [ScheduleKeyDeletion, DisableKey]}
            unless:
              principal|endswith: role/terraform
            group_by: [principal]
            """)
        let events = [
            kmsCall(at: at(0), "ScheduleKeyDeletion"), kmsCall(at: at(1), by: "terraform", "ScheduleKeyDeletion"),
            kmsCall(at: at(2), "DisableKey"), kmsCall(at: at(3), "Decrypt"),
        ]
        let alerts = detect([destruction], [events])
        #expect(alerts.count == 2)
        #expect(alerts.allSatisfy { $0.groupValue("principal") == roleARN("app-role") })
        #expect(alerts.map(\.count) == [1, 1])
        #expect(alerts[0].summary.hasPrefix("ScheduleKeyDeletion by app-role on arn:aws:kms:"))
    }

    @Test("distinct counts values of a field, not events")
    func distinct() {
        let many = manyKeysRule(threshold: 3)
        let keys = ["0d7c1a3b-5e2f-4a6d-9b8c-7e1f2a3b4c5d", "6513270e-269e-4d37-b2a7-4de452e6b438", "1234abcd-12ab-34cd-56ef-1234567890ab"]
        let twoKeysManyTimes = (0..<6).map { kmsCall(at: at($0), key: keys[$0 % 2]) }
        #expect(detect([many], [twoKeysManyTimes]).isEmpty)
        let alerts = detect([many], [twoKeysManyTimes + [kmsCall(at: at(10), key: keys[2])]])
        #expect(alerts.count == 1)
        guard let values = alerts.first?.details.first(where: { $0.name == "values" })?.value else {
            Issue.record("no values detail")
            return
        }
        #expect(values == .list(keys.map { "arn:aws:kms:us-east-1:111122223333:key/\($0)" }.sorted()))
    }

    /// Sessions are kept as text, not in the string table: conditions, group keys and distinct
    /// values read them there, across batches.
    @Test("sessions are read by conditions, group keys and distinct counts")
    func sessionsAsText() {
        let perSession = rule("""
            id: per-session
            type: threshold
            where: {session|endswith: -session}
            unless: {session: quiet-session}
            threshold: 2
            group_by: [session]
            window: 10m
            """)
        let sessionsPerAccount = rule("""
            id: sessions
            type: distinct
            where: {class: crypto}
            field: session
            threshold: 3
            group_by: [tenant]
            window: 10m
            """)
        let batches = [
            [kmsCall(at: at(0), by: "web"), kmsCall(at: at(1), by: "quiet"), kmsCall(at: at(2), by: "quiet")],
            [kmsCall(at: at(3), by: "web"), kmsCall(at: at(4), by: "batch")],
        ]
        let alerts = detect([perSession, sessionsPerAccount], batches)
        #expect(alerts.map(\.rule) == ["per-session", "sessions"])
        #expect(alerts.first?.group.map(\.value) == ["web-session"])
        #expect(alerts.first?.count == 2)
        let values = alerts.last?.details.first(where: { $0.name == "values" })?.value
        #expect(values == .list(["batch-session", "quiet-session", "web-session"]))
    }

    let spike = rule("""
        id: crypto-spike
        type: spike
        where: {class: crypto}
        group_by: [principal]
        window: 10m
        baseline: 1h
        factor: 3
        min_count: 10
        """)

    /// `perWindow[i]` calls in the i-th ten-minute window from 09:00.
    func traffic(_ perWindow: [Int]) -> [String] {
        perWindow.enumerated().flatMap { window, count in
            (0..<count).map { kmsCall(at: at(window * 600 + $0 * 600 / max(count, 1))) }
        }
    }

    @Test("a spike needs a whole baseline of history: none before it, then factor and min_count decide")
    func spikeEdges() {
        // A burst in the group's first hour: no baseline yet.
        #expect(detect([spike], [traffic([4, 4, 40])]).isEmpty)
        // After an hour of 4 per window: 12 = 3 × 4 fires, 11 does not.
        #expect(detect([spike], [traffic([4, 4, 4, 4, 4, 4, 11])]).isEmpty)
        let alerts = detect([spike], [traffic([4, 4, 4, 4, 4, 4, 12])])
        #expect(alerts.count == 1)
        #expect(alerts.first?.details.first { $0.name == "baseline_mean" }?.value == .number(4))
        // Below min_count never fires, however quiet the baseline.
        #expect(detect([spike], [traffic([1, 1, 1, 1, 1, 1, 9])]).isEmpty)
    }

    @Test("spike defaults stay quiet on steady traffic with ±30% variation and a job doubling for ten minutes an hour")
    func spikeQuietOnNormalTraffic() {
        let steady = (0..<24).map { window in 20 + (window % 3 == 0 ? 6 : window % 3 == 1 ? -6 : 0) }
        let doubling = (0..<24).map { $0 % 6 == 3 ? 40 : 20 }
        #expect(detect([spike], [traffic(steady)]).isEmpty)
        #expect(detect([spike], [traffic(doubling)]).isEmpty)
    }

    /// Like the default crypto-spike: a day's baseline, judged after `min_history` (default 1h) of it.
    func daySpike(minimumHistory: String? = nil) -> Rule {
        rule("""
            id: crypto-spike
            type: spike
            where: {class: crypto}
            group_by: [principal]
            window: 10m
            baseline: 24h
            factor: 3
            min_count: 50
            """ + (minimumHistory.map { "\nmin_history: \($0)" } ?? ""))
    }

    @Test("a spike is judged on the observed part of its baseline once min_history has passed, not after a whole baseline")
    func spikeAfterWarmUp() {
        // Two hours at 50 per window, then 967: judged on those two hours.
        let alerts = detect([daySpike()], [traffic(Array(repeating: 50, count: 12) + [967])])
        #expect(alerts.count == 1)
        #expect(alerts.first?.count == 967)
        #expect(alerts.first?.details.first { $0.name == "baseline_mean" }?.value == .number(50))
        #expect(alerts.first?.details.first { $0.name == "baseline_observed" }?.value == .text("2h"))
        // Half an hour of history is not yet enough, unless min_history says so.
        let early = traffic([50, 50, 50, 967])
        #expect(detect([daySpike()], [early]).isEmpty)
        #expect(detect([daySpike(minimumHistory: "30m")], [early]).map(\.count) == [967])
        // The group's first, partly seen window is not part of its history: first seen at 09:03,
        // it has an hour of history at 10:10, not at 10:00.
        let fromThree = (0..<50).map { kmsCall(at: at(180 + $0 * 8)) }
        #expect(detect([daySpike()], [fromThree + traffic([0] + Array(repeating: 50, count: 6) + [967])]).map(\.count) == [967])
        #expect(detect([daySpike()], [fromThree + traffic([0] + Array(repeating: 50, count: 5) + [967])]).isEmpty)
    }

    @Test("a day's spike stays quiet from its first hour on steady traffic with ±30% variation and a job doubling for ten minutes an hour")
    func daySpikeQuietOnNormalTraffic() {
        let steady = (0..<36).map { window in 60 + (window % 3 == 0 ? 18 : window % 3 == 1 ? -18 : 0) }
        let doubling = (0..<36).map { $0 % 6 == 3 ? 120 : 60 }
        #expect(detect([daySpike()], [traffic(steady)]).isEmpty)
        #expect(detect([daySpike()], [traffic(doubling)]).isEmpty)
    }

    @Test("min_history covers at least a window and at most the baseline")
    func minimumHistoryBounds() {
        #expect(throws: ConfigurationProblems.self) { try RuleFile.parse(Self.spikeFile("min_history: 5m"), file: "s.yaml") }
        #expect(throws: ConfigurationProblems.self) { try RuleFile.parse(Self.spikeFile("min_history: 25h"), file: "s.yaml") }
        #expect(throws: Never.self) { try RuleFile.parse(Self.spikeFile("window: 2h"), file: "s.yaml") }
    }

    private static func spikeFile(_ line: String) -> String {
        var lines = ["id: s", "type: spike", "where: {class: crypto}", "window: 10m", "baseline: 24h"]
        if line.hasPrefix("window:") { lines[3] = line } else { lines.append(line) }
        return "rules:\n  - " + lines.joined(separator: "\n    ") + "\n"
    }

    @Test("single-event rules never drop an event for lateness: a key destruction delivered three hours late alerts at its own time")
    func lateDestructionAlerts() {
        let destruction = rule("""
            id: kms-key-destruction
            type: match
            where: {operation: [DisableKey, ScheduleKeyDeletion]}
            group_by: [principal, resource]
            suppress: 1h
            """)
        let spike = self.spike
        // Three hours of traffic move every clock past 12:00; then the 09:10 deletion arrives.
        let traffic = traffic(Array(repeating: 5, count: 20))
        let late = kmsCall(at: at(600), "ScheduleKeyDeletion", key: "0b5c7e0e-9d3c-4d7e-a1a2-3b4c5d6e7f80")
        let engine = DetectionEngine(rules: [destruction, spike])
        let alerts = detect([destruction, spike], [traffic, [kmsCall(at: at(3 * 3600 + 60), "DisableKey")], [late]], engine: engine)
        let deletion = alerts.filter { $0.summary.hasPrefix("ScheduleKeyDeletion") }
        #expect(deletion.count == 1)
        #expect(deletion.first?.firstSeen == Timestamp(parsing: at(600)))
        #expect(engine.report.rules.first { $0.rule == "kms-key-destruction" }?.late == 0)
    }

    @Test("first_seen learns for its learn span, then alerts on each new combination once")
    func firstSeen() {
        let newCaller = rule("""
            id: new-caller
            type: first_seen
            where: {class: crypto}
            fields: [principal, resource]
            learn: 1h
            """)
        let learning = [kmsCall(at: at(0)), kmsCall(at: at(60), by: "known-role")]
        let after = [
            kmsCall(at: at(4000)), kmsCall(at: at(4001), by: "known-role"),
            kmsCall(at: at(4002), by: "new-role"), kmsCall(at: at(4003), by: "new-role"),
        ]
        let alerts = detect([newCaller], [learning, after])
        #expect(alerts.count == 1)
        #expect(alerts.first?.details.first?.value == .text(roleARN("new-role")))
        // A new combination during learning is learned, not alerted.
        #expect(detect([newCaller], [[kmsCall(at: at(0)), kmsCall(at: at(10), by: "new-role")]]).isEmpty)
    }

    @Test("first_seen learns each combination as the SipHash of its values under the rule's own key, kept in its state, of normalized and raw fields alike")
    func firstSeenDigests() throws {
        let byResource = rule("""
            id: by-resource
            type: first_seen
            where: {class: crypto}
            fields: [principal, resource]
            learn: 0s
            """)
        let byRegion = rule("""
            id: by-region
            type: first_seen
            where: {class: crypto}
            fields: [principal, raw.awsRegion]
            learn: 0s
            """)
        let engine = DetectionEngine(rules: [byResource, byRegion])
        // The same combinations again in a second batch: found by content, not learned twice.
        let batch = ["role-a", "role-b", "role-a"].enumerated().map { kmsCall(at: at($0.offset), by: $0.element) }
        let alerts = detect([byResource, byRegion], [batch, batch.map { $0.replacingOccurrences(of: "09:00:0", with: "09:01:0") }],
                            engine: engine)
        #expect(alerts.count == 4)
        let key = "arn:aws:kms:us-east-1:111122223333:key/6513270e-269e-4d37-b2a7-4de452e6b438"
        let state = engine.state.rules.values
        let byResourceMemory = try #require(state.first { $0.fingerprint.hasPrefix("by-resource@") }).memory
        let byRegionMemory = try #require(state.first { $0.fingerprint.hasPrefix("by-region@") }).memory
        let resourceKey = try #require(byResourceMemory.digestKey), regionKey = try #require(byRegionMemory.digestKey)
        #expect(resourceKey != regionKey, "each rule draws its own key")
        #expect(byResourceMemory.seen == Set(["role-a", "role-b"].map {
            SipHash24.hash(GroupKey.make([roleARN($0), key]), key: resourceKey)
        }))
        #expect(byRegionMemory.seen == Set(["role-a", "role-b"].map {
            SipHash24.hash(GroupKey.make([roleARN($0), "us-east-1"]), key: regionKey)
        }))
        // The key is stored with the digests: a restarted engine knows the combinations.
        let restored = DetectionEngine(rules: [byResource, byRegion], state: try DetectionState(decoding: engine.state.encoded()))
        #expect(detect([byResource, byRegion], [batch], engine: restored).isEmpty)
    }

    @Test("first_seen learns up to its cap; past it new combinations are refused, counted, and the counts survive a restart")
    func firstSeenCap() throws {
        let newCaller = rule("""
            id: new-caller
            type: first_seen
            where: {class: crypto}
            fields: [principal]
            learn: 0s
            """)
        let engine = DetectionEngine(rules: [newCaller], limits: DetectionLimits(maximumSeenCombinations: 2))
        let calls = ["role-a", "role-b", "role-c", "role-a", "role-d"].enumerated().map { kmsCall(at: at($0.offset), by: $0.element) }
        let alerts = detect([newCaller], [calls], engine: engine)
        #expect(alerts.map { $0.details.first?.value } == [.text(roleARN("role-a")), .text(roleARN("role-b"))])
        let counts = try #require(engine.report.rules.first)
        #expect(counts.seenCombinations == 2 && counts.refused == 2)
        #expect(engine.report.capReached)

        let restored = DetectionEngine(rules: [newCaller], limits: DetectionLimits(maximumSeenCombinations: 2),
                                       state: try DetectionState(decoding: engine.state.encoded()))
        #expect(restored.report.rules.first?.seenCombinations == 2 && restored.report.rules.first?.refused == 2)
        // Still at its cap after the restart: another new combination is refused, a learned one stays quiet.
        #expect(detect([newCaller], [[kmsCall(at: at(10), by: "role-e"), kmsCall(at: at(11), by: "role-b")]], engine: restored).isEmpty)
        #expect(restored.report.rules.first?.refused == 3)
    }

    @Test("cross_namespace fires when a principal of one namespace touches a resource another owns, not a shared one")
    func crossNamespace() {
        let cross = SharedRules.crossNamespace
        let identities = IdentityMap(
            namespaces: [
                "payments": .init(principals: [roleARN("payments-irsa")], resources: [Glob("arn:aws:kms:*:key/6513270e-*")]),
                "checkout": .init(principals: [roleARN("checkout-irsa")], resources: [Glob("arn:aws:kms:*:key/0d7c1a3b-*")]),
            ],
            shared: [Glob("arn:aws:kms:*:key/1234abcd-*")])
        let events = [
            kmsCall(at: at(0), by: "payments-irsa"),
            kmsCall(at: at(1), by: "checkout-irsa", key: "0d7c1a3b-5e2f-4a6d-9b8c-7e1f2a3b4c5d"),
            kmsCall(at: at(2), by: "checkout-irsa", key: "1234abcd-12ab-34cd-56ef-1234567890ab"),
            kmsCall(at: at(3), by: "checkout-irsa"), kmsCall(at: at(4), by: "checkout-irsa"),
        ]
        let alerts = detect([cross], [events], identities: identities)
        #expect(alerts.count == 1)
        #expect(alerts.first?.count == 2)
        #expect(alerts.first?.details == [AlertDetail("namespace", .text("checkout")), AlertDetail("resource_namespace", .text("payments"))])
    }

    /// Calls by `role` every `every` seconds from `from` (seconds after 09:00), `count` of them.
    func steady(_ role: String, from: Int = 0, every: Int = 300, count: Int) -> [String] {
        (0..<count).map { kmsCall(at: at(from + $0 * every), by: role) }
    }

    @Test("absence alerts once when a steady group goes silent for the window, on the clock of other events or the wall clock")
    func absence() {
        let silent = SharedRules.steadySourceSilent
        let engine = DetectionEngine(rules: [silent])
        // quiet-role sends every 5 minutes until 09:45, busy-role until 10:15, then on.
        var alerts = detect([silent], [steady("quiet-role", count: 10) + steady("busy-role", count: 16)], engine: engine)
        alerts += detect([silent], [[kmsCall(at: at(2700 + 2099), by: "busy-role")]], engine: engine)
        #expect(alerts.isEmpty)  // 34m59s after quiet-role's last: silence not yet 30m + 5m
        alerts += detect([silent], [[kmsCall(at: at(2700 + 2100), by: "busy-role")]], engine: engine)
        #expect(alerts.count == 1)
        #expect(alerts.first?.groupValue("principal") == roleARN("quiet-role"))
        #expect(alerts.first?.summary.hasSuffix("(over 30m; it usually sends an event every 5m)") == true)
        #expect(alerts.first?.text(of: "details.usual_gap") == "5m" && alerts.first?.text(of: "details.longest_gap") == "5m")
        #expect(alerts.first?.text(of: "details.events_seen") == "10")
        alerts += detect([silent], [steady("busy-role", from: 5100, count: 3)], engine: engine)
        #expect(alerts.count == 1)
        // The daemon's wall clock moves the clock too when nothing arrives.
        #expect(engine.advance(to: Timestamp(parsing: at(5700 + 2099))!).isEmpty)
        #expect(engine.advance(to: Timestamp(parsing: at(5700 + 2100))!).map { $0.alert.groupValue("principal") } == [roleARN("busy-role")])
    }

    @Test("only a steady group can go silent: not a one-off, nor one that was quiet for more than half the window before")
    func absenceNeedsARhythm() {
        let silent = rule("""
            id: source-silent
            type: absence
            group_by: [principal]
            window: 2h
            """)
        // Sparse: a dozen calls, but with an hour between some of them (pods starting now and then).
        let sparse = steady("sts-role", count: 6) + steady("sts-role", from: 5400, count: 6)
        // A one-off: three calls.
        let oneOff = steady("once-role", count: 3)
        // Steady: every 10 minutes for two hours.
        let regular = steady("trail-role", every: 600, count: 12)
        let clockMover = [kmsCall(at: at(6 * 3600), by: "busy-role")]
        let alerts = detect([silent], [sparse + oneOff + regular, clockMover])
        #expect(alerts.map { $0.groupValue("principal") } == [roleARN("trail-role")])
        #expect(detect([rule("""
            id: source-silent
            type: absence
            group_by: [principal]
            window: 2h
            min_events: 3
            """)], [oneOff, clockMover]).count == 1)
    }

    @Test("the default silence rule watches a pipeline: an account's KMS and STS events are one group, silent only when both stop")
    func silenceGroupsByPipeline() throws {
        let silence = try RuleFile.parse(String(decoding: try repositoryFile("rules/silence.yaml"), as: UTF8.self), file: "silence.yaml")
        try #require(silence.map(\.id) == ["log-source-silent"])
        func sts(at seconds: Int) -> String {
            cloudTrail(["eventTime": at(seconds), "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
                        "requestParameters": ["roleArn": "arn:aws:iam::111122223333:role/app-role", "roleSessionName": "s\(seconds)"]],
                       identity: ["type": "WebIdentityUser", "userName": "system:serviceaccount:shop:cart"])
        }
        // 09:00–11:00: the account's trail delivers a KMS call and an STS call every 10 minutes;
        // 11:00–14:00 only STS calls; then nothing. Another account's one event moves the clock on.
        let both = (0..<12).flatMap { [kmsCall(at: at($0 * 600)), sts(at: $0 * 600 + 300)] }
        let stsOnly = (12..<30).map { sts(at: $0 * 600 + 300) }
        var elsewhere = cloudTrail(["eventTime": at(24 * 3600), "recipientAccountId": "222233334444"])
        elsewhere = elsewhere.replacingOccurrences(of: "111122223333", with: "222233334444")
        let alerts = detect(silence, [both, stsOnly, [elsewhere]])
        #expect(alerts.count == 1, "one alert: the pipeline went silent once, when its STS calls stopped too")
        #expect(alerts.first?.groupValue("account") == "111122223333")
        #expect(alerts.first?.text(of: "details.last_event") == Timestamp(parsing: at(29 * 600 + 300))!.rfc3339)
    }

    @Test("a restart in the middle of a window resumes from stored state without losing or repeating an alert")
    func restartMidWindow() throws {
        let suppressed = rule("""
            id: denied-burst
            type: threshold
            where: {outcome: denied}
            group_by: [principal]
            window: 10m
            threshold: 5
            suppress: 1h
            """)
        let events = (0..<12).map { kmsCall(at: at($0 * 40), denied: true) }
        let uninterrupted = detect([suppressed], [Array(events[0..<3]), Array(events[3..<7]), Array(events[7...])])

        let before = DetectionEngine(rules: [suppressed])
        var alerts = detect([suppressed], [Array(events[0..<3])], engine: before)
        let stored = before.state.encoded()
        let after = DetectionEngine(rules: [suppressed], state: try DetectionState(decoding: stored))
        alerts += detect([suppressed], [Array(events[3..<7]), Array(events[7...])], engine: after)
        #expect(uninterrupted.count == 1)
        #expect(alerts.map(\.key) == uninterrupted.map(\.key))
        var merged = AlertLedger()
        merged.apply(alerts.map(AlertChange.raised))
        #expect(merged.alerts.map(\.key) == uninterrupted.map(\.key))
        #expect(after.report.rules[0].liveGroups == 1)
        #expect(uninterrupted.first?.count == 12)
    }

    @Test("an edited rule starts afresh; damaged state is refused with a reason")
    func editedRulesAndDamagedState() throws {
        let engine = DetectionEngine(rules: [deniedBurst])
        _ = detect([deniedBurst], [(0..<3).map { kmsCall(at: at($0), denied: true) }], engine: engine)
        var edited = deniedBurst
        edited.fileSHA256 = "changed"
        let restored = DetectionEngine(rules: [edited], state: try DetectionState(decoding: engine.state.encoded()))
        #expect(restored.report.rules[0].liveGroups == 0)
        let bytes = engine.state.encoded()
        #expect(throws: StateDecodingError.self) { try DetectionState(decoding: Array(bytes.dropLast(3))) }
        #expect(throws: StateDecodingError.self) { try DetectionState(decoding: [1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) }
    }

    @Test("quiet groups are forgotten as event time passes; the groups that take their places count on their own")
    func forgottenGroupsFreeTheirPlaces() {
        let engine = DetectionEngine(rules: [deniedBurst])
        let day = 86_400
        func calls(_ prefix: String, at seconds: Int) -> [String] {
            (0..<50).map { kmsCall(at: at(seconds), by: "\(prefix)-\($0)", denied: true) }
        }
        var alerts = detect([deniedBurst], [calls("old", at: 0)], engine: engine)
        #expect(engine.report.liveGroups == 50)
        alerts += detect([deniedBurst], [calls("new", at: day)], engine: engine)
        #expect(engine.report.liveGroups == 50)
        // These take the places the first fifty left; four more calls make one of them fire.
        alerts += detect([deniedBurst], [calls("newer", at: 2 * day)], engine: engine)
        #expect(engine.report.liveGroups == 50)
        alerts += detect([deniedBurst], [(1...4).map { kmsCall(at: at(2 * day + $0), by: "newer-7", denied: true) }], engine: engine)
        #expect(alerts.count == 1)
        #expect(alerts.first?.groupValue("principal") == roleARN("newer-7"))
        #expect(alerts.first?.count == 5)
        alerts += detect([deniedBurst], [[kmsCall(at: at(3 * day), by: "latest", denied: true)]], engine: engine)
        #expect(engine.report.liveGroups == 1)
        #expect(alerts.count == 1)
    }

    @Test("on a watermark, events far ahead of it close no one's windows: a group another input is still filling stays")
    func watermarkHoldsGroups() {
        let twoDenials = (0..<2).map { kmsCall(at: at($0), by: "slow", denied: true) }
        let farAhead = [kmsCall(at: at(6 * 3600), by: "fast", denied: true)]
        let threeMore = (2..<5).map { kmsCall(at: at($0), by: "slow", denied: true) }
        // On its newest event, the clock jumps six hours and the slow group is forgotten.
        #expect(detect([deniedBurst], [twoDenials, farAhead, threeMore]).isEmpty)

        let slowInput = EventTimeProgress.watermark(Timestamp(parsing: at(1)))
        let engine = DetectionEngine(rules: [deniedBurst])
        let alerts = detect([deniedBurst], [twoDenials, farAhead, threeMore], engine: engine, progress: slowInput)
        #expect(alerts.map { $0.groupValue("principal") } == [roleARN("slow")])
        #expect(alerts.first?.count == 5)
        #expect(engine.report.clock == Timestamp(parsing: at(1)), "events do not move a clock the watermark drives")
        _ = engine.process(EventBatch(), progress: .watermark(nil))
        #expect(engine.report.clock == Timestamp(parsing: at(1)), "no watermark: the clock stays")
        _ = engine.advance(to: Timestamp(parsing: at(8 * 3600))!)
        #expect(engine.report.liveGroups == 0, "once the watermark passes them, quiet groups are forgotten")
    }

    @Test("the group cap refuses new groups and says so; a record from the future does not move the clock")
    func capsAndFutureEvents() {
        let engine = DetectionEngine(rules: [deniedBurst], limits: DetectionLimits(maximumGroups: 2))
        _ = detect([deniedBurst], [["a", "b", "c"].map { kmsCall(at: at(0), by: $0, denied: true) }], engine: engine)
        #expect(engine.report.liveGroups == 2)
        #expect(engine.report.rules[0].refused == 1)
        #expect(engine.report.capReached)

        let clockEngine = DetectionEngine(rules: [deniedBurst])
        let now = Timestamp(parsing: at(0))!
        var batch = decode(kmsCall(at: "2099-01-01T00:00:00Z", denied: true))
        _ = clockEngine.process(batch, now: now)
        #expect(clockEngine.report.clock == nil)
        batch = decode(kmsCall(at: at(60), denied: true))
        _ = clockEngine.process(batch, now: now)
        #expect(clockEngine.report.clock == Timestamp(parsing: at(60)))
    }

    @Test("an event dated hours ahead of the wall clock counts, but does not make its group's real events late")
    func futureEventDoesNotHideABurst() {
        let engine = DetectionEngine(rules: [deniedBurst])
        let now = Timestamp(parsing: at(0))!
        var ledger = AlertLedger()
        // Twelve hours ahead: within a day of the clock, so ingest keeps it.
        ledger.apply(engine.process(decode(kmsCall(at: at(12 * 3600), denied: true)), now: now))
        let burst = (1...5).map { kmsCall(at: at($0 * 10), denied: true) }.joined(separator: "\n")
        ledger.apply(engine.process(decode(burst), now: now))
        #expect(ledger.alerts.map(\.count) == [5], "\(ledger.alerts)")
        #expect(engine.report.rules[0].late == 0)
    }

    @Test("raw fields: conditions and groups over the original record")
    func rawFields() {
        let grants = rule("""
            id: grant-to-other-account
            type: match
            where:
              operation: CreateGrant
              raw.requestParameters.granteePrincipal|not|startswith: "arn:aws:iam::111122223333:"
            group_by: [raw.requestParameters.granteePrincipal]
            """)
        func grant(_ grantee: String, at seconds: Int) -> String {
            cloudTrail(["eventName": "CreateGrant", "eventTime": at(seconds),
                        "requestParameters": ["keyId": "arn:aws:kms:us-east-1:111122223333:key/6513270e-269e-4d37-b2a7-4de452e6b438",
                                              "granteePrincipal": grantee, "operations": ["Decrypt"]]])
        }
        let alerts = detect([grants], [[grant("arn:aws:iam::111122223333:role/ok", at: 0), grant("arn:aws:iam::444455556666:root", at: 1)]])
        #expect(alerts.count == 1)
        #expect(alerts.first?.groupValue("raw.requestParameters.granteePrincipal") == "arn:aws:iam::444455556666:root")
    }

    @Test("group keys of several values read back whatever the values hold")
    func groupKeys() {
        let values = ["a:b", "", "3:xyz", "ünï"]
        #expect(GroupKey.values(of: GroupKey.make(values), count: 4) == values)
        #expect(GroupKey.make(["1:a", ""]) != GroupKey.make(["1", ":a"]))
    }
}
