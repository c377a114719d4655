import Testing
@testable import KeywatchCore

/// Detection state as the store keeps it: in chunks, by group id, and from the first and second formats.
@Suite("Detection state storage")
struct DetectionStateStorageTests {
    private let threeDenials = rule("""
        id: denied-burst
        type: threshold
        where: {outcome: denied}
        group_by: [principal]
        window: 10m
        threshold: 3
        """)

    private let silent = SharedRules.sourceSilent

    private func chunks(of state: DetectionState, size: Int) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        state.encode(chunkSize: size) { chunks.append($0) }
        return chunks
    }

    @Test("state written in small chunks reads back a chunk at a time, and detection carries on as if never stopped")
    func chunkedStateResumes() throws {
        let roles = (0..<40).map { "role-\($0)" }
        let before = roles.flatMap { role in (0..<2).map { kmsCall(at: at($0 * 10), by: role, denied: true) } }
        let after = roles.map { kmsCall(at: at(60), by: $0, denied: true) }
        let uninterrupted = detect([threeDenials], [before, after])

        let engine = DetectionEngine(rules: [threeDenials])
        _ = detect([threeDenials], [before], engine: engine)
        let pieces = chunks(of: engine.state, size: 64)
        #expect(pieces.count > 20)
        #expect(pieces.reduce([], +) == engine.state.encoded())
        var reading = pieces.makeIterator()
        let restored = DetectionEngine(rules: [threeDenials], state: try DetectionState(chunks: &reading))
        #expect(restored.report.rules[0].liveGroups == 40)
        let alerts = detect([threeDenials], [after], engine: restored)
        #expect(uninterrupted.count == 40)
        #expect(alerts.map(\.key).sorted() == uninterrupted.map(\.key).sorted())

        // Chunks cut short, or one missing, are refused.
        var missing = (pieces.prefix(3) + pieces.dropFirst(4)).makeIterator()
        #expect(throws: StateDecodingError.self) { try DetectionState(chunks: &missing) }
    }

    @Test("absence groups keep their values across a restart, also from state written in the first format")
    func absenceKeysSurviveRestarts() throws {
        let engine = DetectionEngine(rules: [silent])
        _ = detect([silent], [[kmsCall(at: at(0), by: "quiet-role"), kmsCall(at: at(0), by: "busy-role")]], engine: engine)

        for stored in [engine.state.encoded(), Self.olderFormat(1, of: engine.state)] {
            let restored = DetectionEngine(rules: [silent], state: try DetectionState(decoding: stored))
            let alerts = detect([silent], [[kmsCall(at: at(2100), by: "busy-role")]], engine: restored)
            #expect(alerts.count == 1)
            #expect(alerts.first?.groupValue("principal") == roleARN("quiet-role"))
        }
        // Rules that never need a group's text keep none, whatever the stored state held.
        let threshold = DetectionEngine(rules: [threeDenials])
        _ = detect([threeDenials], [[kmsCall(at: at(0), by: "some-role", denied: true)]], engine: threshold)
        #expect(threshold.state.rules["denied-burst"]?.keys.isEmpty == true)
        #expect(engine.state.rules["source-silent"]?.keys.count == 2)
    }

    @Test("state of the second format still reads: groups and keys as they were, nothing known to change rules, no accounts")
    func secondFormatReads() throws {
        let engine = DetectionEngine(rules: [silent])
        _ = detect([silent], [[kmsCall(at: at(0), by: "quiet-role"), kmsCall(at: at(0), by: "busy-role")]], engine: engine)
        let restored = try DetectionState(decoding: Self.olderFormat(2, of: engine.state))
        #expect(restored.accounts.isEmpty && restored.rules["source-silent"]?.keys.count == 2)
        let alerts = detect([silent], [[kmsCall(at: at(2100), by: "busy-role")]], engine: DetectionEngine(rules: [silent], state: restored))
        #expect(alerts.first?.groupValue("principal") == roleARN("quiet-role"))
    }

    @Test("the accounts learned from the logs are stored with the state and read back")
    func accountsRoundTrip() throws {
        var state = DetectionEngine(rules: [threeDenials]).state
        state.accounts = ["111122223333", "444455556666"]
        let restored = try DetectionState(decoding: state.encoded())
        #expect(restored.accounts == ["111122223333", "444455556666"])
        #expect(try DetectionState(decoding: DetectionState().encoded()).accounts.isEmpty)
        // The accounts come last: state cut before them is refused, not read as none.
        #expect(throws: StateDecodingError.self) { try DetectionState(decoding: Array(state.encoded().dropLast(3))) }
    }

    @Test("accounts learned from the logs survive a restart: a grant to an account whose own logs were read before it stays ours")
    func learnedAccountsSurviveRestarts() throws {
        let foreignGrant = rule("""
            id: foreign-grant
            type: match
            where: {operation: CreateGrant, raw.requestParameters.granteePrincipal|accounts|foreign|exists: true}
            """)
        let grant = cloudTrail(["eventName": "CreateGrant", "eventTime": at(60),
                                "requestParameters": ["keyId": "6513270e-269e-4d37-b2a7-4de452e6b438",
                                                      "granteePrincipal": "arn:aws:iam::444455556666:role/outsider"]])
        let engine = DetectionEngine(rules: [foreignGrant])
        _ = detect([foreignGrant], [[cloudTrail(["recipientAccountId": "444455556666"])]], engine: engine)
        let restored = DetectionEngine(rules: [foreignGrant], state: try DetectionState(decoding: engine.state.encoded()))
        #expect(detect([foreignGrant], [[grant]], engine: restored).isEmpty)
        #expect(detect([foreignGrant], [[grant]]).count == 1, "without the stored accounts the grantee is foreign")
    }

    @Test("groups live in pages: slots are reused, and more than a page of groups reads back whole")
    func groupTable() {
        var table = GroupTable()
        let ids = (0..<10_000).map { GroupKey.id("principal-\($0)") }
        for (n, id) in ids.enumerated() { table[id] = GroupState(at: Timestamp(microseconds: Int64(n))) }
        #expect(table.count == 10_000)
        #expect(table[ids[9_999]]?.newest.microseconds == 9_999)
        for id in ids[0..<5_000] { table[id] = nil }
        #expect(table.count == 5_000)
        #expect(table[ids[10]] == nil)
        let fresh = (0..<5_000).map { GroupKey.id("newcomer-\($0)") }
        for id in fresh { table[id] = GroupState(at: Timestamp(microseconds: -1)) }
        #expect(table.count == 10_000)
        #expect(table[ids[7_000]]?.newest.microseconds == 7_000)
        var seen = 0, newcomers = 0
        for (_, _, state) in table {
            seen += 1
            if state.newest.microseconds == -1 { newcomers += 1 }
        }
        #expect(seen == 10_000 && newcomers == 5_000)
        #expect(GroupKey.id("a") != GroupKey.id("b") && GroupKey.id("a") == GroupKey.id("a"))
        // Stored state names groups by these bits: they must not change between versions.
        // SHA-256("a") = ca978112ca1bbdca fac231b39a23dc4d …
        #expect(GroupKey.id("a") == GroupID(high: 0xCA97_8112_CA1B_BDCA, low: 0xFAC2_31B3_9A23_DC4D))
        #expect(GroupKey.make(["arn:aws:iam::1:role/r", "", "scope/é"]) == "21:arn:aws:iam::1:role/r0:8:scope/é")
    }

    /// The state as version 1 wrote it (groups by their key text, no separate keys) or version 2
    /// (groups by id, then the keys); neither has values known to change rules nor accounts.
    private static func olderFormat(_ version: UInt64, of state: DetectionState) -> [UInt8] {
        var out = StateWriter()
        out.put(version)
        out.put(state.clock?.microseconds)
        out.put(UInt64(state.rules.count))
        for (id, rule) in state.rules {
            out.put(id)
            out.put(rule.fingerprint)
            out.put(Int64(rule.late))
            out.put(Int64(rule.refused))
            out.put(rule.memory.learningSince?.microseconds)
            out.put(UInt64(rule.memory.seen.count))
            for digest in rule.memory.seen { out.put(digest) }
            out.put(UInt64(rule.groups.count))
            for (_, groupID, group) in rule.groups {
                if version == 1 { out.put(rule.keys[groupID]!) } else { out.put(groupID) }
                group.encode(to: &out)
            }
            guard version == 2 else { continue }
            out.put(UInt64(rule.keys.count))
            for (groupID, key) in rule.keys {
                out.put(groupID)
                out.put(key)
            }
        }
        return out.bytes
    }
}
