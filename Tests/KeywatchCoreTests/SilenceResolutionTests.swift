import Testing
@testable import KeywatchCore

/// A silence alert's lifecycle: raised once when a steady group goes quiet, resolved by the
/// group's first newer event, and raised anew (another key) when the group, steady again, goes
/// quiet again — also across a restart from stored state.
@Suite("Silence resolution")
struct SilenceResolutionTests {
    let silent = SharedRules.steadySourceSilent

    func steady(_ role: String, from: Int, count: Int) -> [String] {
        DetectionTests().steady(role, from: from, count: count)
    }

    func process(_ engine: DetectionEngine, _ records: [String]) -> [AlertChange] {
        let batch = decode(records.joined(separator: "\n"))
        precondition(batch.rejects.isEmpty, "fixture rejected: \(batch.rejects)")
        return engine.process(batch)
    }

    /// The changes about quiet-role's group.
    func quiet(_ changes: [AlertChange]) -> [AlertChange] {
        changes.filter { $0.alert.groupValue("principal") == roleARN("quiet-role") }
    }

    func time(_ seconds: Int) -> Timestamp { Timestamp(parsing: at(seconds))! }

    /// quiet-role sends every 5 minutes until 09:45 and busy-role until 10:15; busy-role's call
    /// at 10:20 moves the clock past quiet-role's silence (30m + 5m): it fires.
    func quietRoleFired(_ engine: DetectionEngine) throws -> Alert {
        #expect(process(engine, steady("quiet-role", from: 0, count: 10) + steady("busy-role", from: 0, count: 16)).isEmpty)
        let changes = process(engine, [kmsCall(at: at(4800), by: "busy-role")])
        try #require(changes.count == 1)
        guard case .raised(let alert) = changes[0] else {
            Issue.record("not raised: \(changes[0])")
            return changes[0].alert
        }
        #expect(alert.groupValue("principal") == roleARN("quiet-role"))
        #expect(alert.status == .firing && alert.resolvedAt == nil)
        return alert
    }

    @Test("a steady group gone silent fires once; its first newer event resolves the alert, at that event's time; steady again, its next silence is a new alert")
    func firesOnceAndResolves() throws {
        let engine = DetectionEngine(rules: [silent])
        let raised = try quietRoleFired(engine)

        // Sweeping again, on events of another group and on the wall clock, raises nothing more.
        #expect(process(engine, steady("busy-role", from: 5100, count: 3)).isEmpty)
        #expect(engine.advance(to: time(7000)).isEmpty)
        // An event of the silence's own time or before, arriving late, does not end it.
        #expect(process(engine, [kmsCall(at: at(2700), by: "quiet-role"), kmsCall(at: at(2400), by: "quiet-role")]).isEmpty)

        let returned = process(engine, [kmsCall(at: at(7200), by: "quiet-role")])
        #expect(returned.count == 1)
        let resolution = try #require(returned.first)
        guard case .resolved(let resolved) = resolution else {
            Issue.record("not a resolution: \(resolution)")
            return
        }
        #expect(resolved.key == raised.key && resolved.id == raised.id)
        #expect(resolved.status == .resolved)
        #expect(resolved.resolvedAt == time(7200))
        var unresolved = resolved
        unresolved.resolvedAt = nil
        #expect(unresolved == raised, "the resolution is the alert raised, with its end")
        #expect(resolved.text(of: "status") == "resolved" && resolved.text(of: "resolved_at") == time(7200).rfc3339)

        // Its rhythm starts again: ten calls, then silence — a new alert, not the gap of the
        // first silence counted as its rhythm's longest.
        var changes = process(engine, steady("quiet-role", from: 7500, count: 9))
        changes += engine.advance(to: time(7200 + 2700 + 2099))
        #expect(quiet(changes).isEmpty)
        changes = quiet(engine.advance(to: time(7200 + 2700 + 2100)))
        #expect(changes.count == 1)
        guard case .raised(let again) = try #require(changes.first) else {
            Issue.record("not raised: \(changes)")
            return
        }
        #expect(again.key != raised.key)
        #expect(again.text(of: "details.last_event") == time(9900).rfc3339)
        #expect(again.text(of: "details.events_seen") == "10" && again.text(of: "details.longest_gap") == "5m")
        #expect(quiet(engine.advance(to: time(20_000))).isEmpty)
    }

    @Test("the fired silence survives a restart from stored state: not raised again, and resolved when events return")
    func survivesRestart() throws {
        let before = DetectionEngine(rules: [silent])
        let raised = try quietRoleFired(before)
        let stored = try DetectionState(decoding: before.state.encoded())

        let after = DetectionEngine(rules: [silent], state: stored)
        #expect(process(after, steady("busy-role", from: 5100, count: 3)).isEmpty)
        #expect(after.advance(to: time(7000)).isEmpty)
        let returned = process(after, [kmsCall(at: at(7200), by: "quiet-role")])
        #expect(returned.map(\.alert.key) == [raised.key])
        #expect(returned.first?.alert.resolvedAt == time(7200))
        if case .resolved = returned.first {} else { Issue.record("not a resolution: \(returned)") }

        // Restarted again after the return: nothing to resolve twice, and the group goes silent
        // again once steady, as it would have without a restart.
        let again = DetectionEngine(rules: [silent], state: try DetectionState(decoding: after.state.encoded()))
        #expect(quiet(process(again, [kmsCall(at: at(7200), by: "quiet-role")])).isEmpty)
        _ = process(again, steady("quiet-role", from: 7500, count: 9))
        let changes = quiet(again.advance(to: time(7200 + 2700 + 2100)))
        #expect(changes.map(\.alert.status) == [.firing])
        #expect(changes.first.map { $0.alert.key != raised.key } == true)
    }
}
