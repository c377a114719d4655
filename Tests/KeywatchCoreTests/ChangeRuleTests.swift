import Testing
@testable import KeywatchCore

/// A vault's properties as ARM gives them after a write; nil leaves a property out (a PATCH
/// that carries only what it changes).
func vaultProperties(defaultAction: String? = "Deny", softDelete: Bool? = true, retention: Int? = 90,
                     purgeProtection: Bool? = true, ipRules: [String]? = nil) -> [String: Any] {
    var acls: [String: Any] = [:]
    if let defaultAction { acls["defaultAction"] = defaultAction }
    if let ipRules { acls["ipRules"] = ipRules }
    var properties: [String: Any] = [:]
    if !acls.isEmpty { properties["networkAcls"] = acls }
    if let softDelete { properties["enableSoftDelete"] = softDelete }
    if let retention { properties["softDeleteRetentionInDays"] = retention }
    if let purgeProtection { properties["enablePurgeProtection"] = purgeProtection }
    return properties
}

/// A VaultPatch (or `operation`) through ARM of the vault `vault` at `time`, carrying `properties`
/// (none when nil).
func vaultWrite(at time: String, _ vault: String = "KV-PAYMENTS-PROD", _ operation: String = "VaultPatch",
                properties: [String: Any]?, status: Int = 200) -> String {
    var props: [String: Any] = [
        "clientInfo": "azure-resource-manager/2.0", "httpStatusCode": status, "id": "https://\(vault.lowercased()).vault.azure.net/",
        "requestUri": "https://management.azure.com/subscriptions/6f2a9c1b/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/\(vault.lowercased())",
    ]
    if let properties { props["properties"] = properties }
    return keyVault([
        "time": time, "operationName": operation, "resultType": status < 400 ? "Success" : "Failure",
        "resultSignature": status < 400 ? "OK" : "Forbidden",
        "resourceId": "/SUBSCRIPTIONS/6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/\(vault)",
        "identity": ["claim": ["http://schemas.microsoft.com/identity/claims/objectidentifier": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                               "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "ops-admin@contoso.example"]],
    ], properties: props, removing: [])
}

/// `type: change` through ``DetectionEngine``: old → new per group, what makes a finding, and
/// memory that outlives idle groups, restarts and caps.
@Suite("Change rules")
struct ChangeRuleTests {
    static let watch = """
        watch:
          networkAcls.defaultAction: raw.properties.properties.networkAcls.defaultAction
          enableSoftDelete: raw.properties.properties.enableSoftDelete
          softDeleteRetentionInDays: raw.properties.properties.softDeleteRetentionInDays
          enablePurgeProtection: raw.properties.properties.enablePurgeProtection
        """

    let weakened = rule("""
        id: weakened
        type: change
        where: {operation: [VaultPatch, VaultGet], outcome: success}
        learn_only: {operation: VaultGet}
        group_by: [scope]
        \(watch)
        changes:
          networkAcls.defaultAction: {to: Allow}
          enableSoftDelete: {from: true, to: false}
          softDeleteRetentionInDays: decreases
          enablePurgeProtection: {from: true, to: false}
        """)

    let anyChange = rule("""
        id: any-change
        type: change
        where: {operation: VaultPatch, outcome: success}
        group_by: [scope]
        \(watch)
        """)

    func changed(_ alert: Alert?) -> [AlertDetail.Change]? {
        guard case .changes(let changes) = alert?.details.first(where: { $0.name == "changed" })?.value else { return nil }
        return changes
    }

    @Test("a weakening write fires with old → new; the same write again and a tightening stay quiet")
    func weakeningFires() throws {
        let alerts = detect([weakened], [[
            vaultWrite(at: at(0), properties: vaultProperties()),
            vaultWrite(at: at(60), properties: vaultProperties(defaultAction: "Allow")),
            vaultWrite(at: at(120), properties: vaultProperties(defaultAction: "Allow")),
            vaultWrite(at: at(180), properties: vaultProperties(defaultAction: "Deny")),
            vaultWrite(at: at(240), properties: vaultProperties(retention: 7)),
        ]])
        #expect(alerts.count == 2)
        #expect(changed(alerts.first) == [AlertDetail.Change("networkAcls.defaultAction", old: "Deny", new: "Allow")])
        #expect(alerts.first?.summary == "kv-payments-prod: networkAcls.defaultAction Deny → Allow (VaultPatch by ops-admin@contoso.example)")
        #expect(alerts.first?.groupValue("scope") == "kv-payments-prod")
        #expect(changed(alerts.last) == [AlertDetail.Change("softDeleteRetentionInDays", old: "90", new: "7")])
    }

    @Test("with nothing known of a group, `to:` holds on the new value alone; `from:` and `decreases` need the old one")
    func unknownOldValue() throws {
        let alerts = detect([weakened], [[
            vaultWrite(at: at(0), "KV-OPEN", properties: vaultProperties(defaultAction: "Allow", purgeProtection: false)),
            vaultWrite(at: at(1), "KV-SHORT", properties: vaultProperties(softDelete: false, retention: 7, purgeProtection: false)),
        ]])
        #expect(alerts.count == 1)
        let open = try #require(alerts.first)
        #expect(open.groupValue("scope") == "kv-open")
        #expect(changed(open)?.map(\.name) == ["networkAcls.defaultAction", "enableSoftDelete", "softDeleteRetentionInDays", "enablePurgeProtection"])
        #expect(changed(open)?.allSatisfy { $0.old == nil } == true)
        #expect(open.summary.hasPrefix("kv-open: networkAcls.defaultAction (unknown) → Allow, enableSoftDelete (unknown) → true,"))
        #expect(open.json.contains(#""changed":{"networkAcls.defaultAction":[null,"Allow"],"enableSoftDelete":[null,"true"],"#))
    }

    @Test("a value a write does not carry keeps its last known value: absent is not a change")
    func absentKeepsLastKnown() {
        let alerts = detect([anyChange], [[
            vaultWrite(at: at(0), properties: vaultProperties()),
            vaultWrite(at: at(60), properties: ["softDeleteRetentionInDays": 30]),
            vaultWrite(at: at(120), properties: nil),
            vaultWrite(at: at(180), properties: ["networkAcls": ["defaultAction": "Deny"]]),
            vaultWrite(at: at(240), properties: vaultProperties(retention: 30)),
        ]])
        #expect(alerts.count == 2, "the first write (unknown → values) and the retention; then nothing changed")
        #expect(changed(alerts.last) == [AlertDetail.Change("softDeleteRetentionInDays", old: "90", new: "30")])
    }

    @Test("learn_only events teach the values and never make a finding; failed writes teach nothing")
    func learnOnly() {
        let alerts = detect([weakened], [[
            vaultWrite(at: at(0), "KV-A", "VaultGet", properties: vaultProperties(defaultAction: "Allow", softDelete: true)),
            vaultWrite(at: at(30), "KV-A", properties: vaultProperties(defaultAction: "Deny"), status: 403),
            vaultWrite(at: at(60), "KV-A", properties: vaultProperties(defaultAction: "Allow", softDelete: false)),
        ]])
        // The read taught Allow: the write leaves it Allow (no `to: Allow` change) and turns soft delete off.
        #expect(alerts.count == 1)
        #expect(changed(alerts.first) == [AlertDetail.Change("enableSoftDelete", old: "true", new: "false")])
    }

    @Test("changes and unless_changes through YAML aliases: the low rule is every change the high rule is not")
    func aliasesSplitHighFromLow() throws {
        let rules = try RuleFile.parse("""
            rules:
              - id: high
                type: change
                where: {operation: VaultPatch}
                group_by: [scope]
                watch: &watched
                  networkAcls.defaultAction: raw.properties.properties.networkAcls.defaultAction
                  softDeleteRetentionInDays: raw.properties.properties.softDeleteRetentionInDays
                changes: &weakening
                  networkAcls.defaultAction: {to: Allow}
                  softDeleteRetentionInDays: [decreases, {to: "0"}]
              - id: low
                type: change
                where: {operation: VaultPatch}
                group_by: [scope]
                watch: *watched
                unless_changes: *weakening
            """, file: "rules/x.yaml")
        let writes = [
            vaultWrite(at: at(0), properties: vaultProperties(defaultAction: "Deny", retention: 30)),
            vaultWrite(at: at(60), properties: vaultProperties(defaultAction: "Deny", retention: 90)),
            vaultWrite(at: at(120), properties: vaultProperties(defaultAction: "Allow", retention: 14)),
        ]
        let alerts = detect(rules, [writes])
        #expect(alerts.map(\.rule) == ["low", "low", "high"])
        #expect(changed(alerts.last) == [AlertDetail.Change("networkAcls.defaultAction", old: "Deny", new: "Allow"),
                                         AlertDetail.Change("softDeleteRetentionInDays", old: "90", new: "14")])
    }

    @Test("list values: added and removed elements are details of their own, and criteria of their own")
    func lists() {
        let ipRules = rule("""
            id: ip-rules
            type: change
            where: {operation: VaultPatch}
            group_by: [scope]
            watch: {ipRules: raw.properties.properties.networkAcls.ipRules}
            changes: {ipRules: added}
            """)
        let alerts = detect([ipRules], [[
            vaultWrite(at: at(0), properties: vaultProperties(ipRules: ["203.0.113.0/24"])),
            vaultWrite(at: at(60), properties: vaultProperties(ipRules: [])),
            vaultWrite(at: at(120), properties: vaultProperties(ipRules: ["0.0.0.0/0", "198.51.100.7"])),
        ]])
        // The first write adds to nothing known, so all it holds is added; the second only removes.
        #expect(alerts.count == 2)
        #expect(alerts.first?.details == [AlertDetail("added_ipRules", .list(["203.0.113.0/24"]))])
        #expect(changed(alerts.last) == nil, "a list says what it gained and lost, not old → new")
        #expect(alerts.last?.details == [AlertDetail("added_ipRules", .list(["0.0.0.0/0", "198.51.100.7"]))])
        #expect(alerts.last?.summary == "kv-payments-prod: ipRules added: 0.0.0.0/0; 198.51.100.7 (VaultPatch by ops-admin@contoso.example)")
    }

    @Test("last known values outlive idle groups: a write a month later is compared with the one before")
    func memoryOutlivesGroups() {
        let engine = DetectionEngine(rules: [weakened])
        _ = detect([weakened], [[vaultWrite(at: at(0), properties: vaultProperties())]], engine: engine)
        // A day of other vaults' writes moves the clock far past the idle horizon.
        _ = detect([weakened], [[vaultWrite(at: at(86_400), "KV-OTHER", properties: vaultProperties())]], engine: engine)
        #expect(engine.report.rules[0].liveGroups == 0)
        let later = detect([weakened], [[vaultWrite(at: at(30 * 86_400), properties: vaultProperties(retention: 30))]], engine: engine)
        #expect(changed(later.first) == [AlertDetail.Change("softDeleteRetentionInDays", old: "90", new: "30")])
    }

    @Test("a restart from stored state gives the findings of an uninterrupted run")
    func restartGivesSameFindings() throws {
        let before = [vaultWrite(at: at(0), "KV-A", properties: vaultProperties()),
                      vaultWrite(at: at(10), "KV-B", properties: vaultProperties(defaultAction: "Allow"))]
        let after = [vaultWrite(at: at(60), "KV-A", properties: vaultProperties(purgeProtection: false)),
                     vaultWrite(at: at(70), "KV-B", properties: vaultProperties(defaultAction: "Allow")),
                     vaultWrite(at: at(80), "KV-B", properties: vaultProperties(defaultAction: "Deny", retention: 30))]
        let uninterrupted = detect([weakened], [before, after])

        let engine = DetectionEngine(rules: [weakened])
        _ = detect([weakened], [before], engine: engine)
        let restored = DetectionEngine(rules: [weakened], state: try DetectionState(decoding: engine.state.encoded()))
        let resumed = detect([weakened], [after], engine: restored)
        #expect(uninterrupted.count == 3)
        #expect(resumed.map(\.json) == Array(uninterrupted.suffix(resumed.count)).map(\.json))
        #expect(resumed.count == 2)
        // Without the stored values, the resumed run would know nothing and see other changes.
        let forgetful = detect([weakened], [after])
        #expect(forgetful.map(\.summary) != resumed.map(\.summary))
    }

    @Test("groups past the cap are refused and counted, not compared with nothing; the count survives a restart")
    func cap() throws {
        let engine = DetectionEngine(rules: [anyChange], limits: DetectionLimits(maximumSeenCombinations: 2))
        let alerts = detect([anyChange], [["KV-A", "KV-B", "KV-C", "KV-A"].enumerated().map {
            vaultWrite(at: at($0.offset), $0.element, properties: vaultProperties(retention: 10 + $0.offset))
        }], engine: engine)
        #expect(alerts.map { $0.groupValue("scope") } == ["kv-a", "kv-b", "kv-a"])
        #expect(engine.report.rules.first?.refused == 1)
        let restored = DetectionEngine(rules: [anyChange], limits: DetectionLimits(maximumSeenCombinations: 2),
                                       state: try DetectionState(decoding: engine.state.encoded()))
        #expect(restored.report.rules.first?.refused == 1)
        #expect(restored.state.rules["any-change"]?.memory.known.count == 2)
    }

    @Test("changes read as text (details.changed, as `rules test` and `alerts list` columns read them) and survive the state's coding of open alerts")
    func changesAsTextAndState() throws {
        var alert = AlertJSONTests.unusual
        alert.details = [AlertDetail("changed", .changes([AlertDetail.Change("networkAcls.defaultAction", old: "Deny", new: "Allow"),
                                                          AlertDetail.Change("enablePurgeProtection", old: nil, new: "false")]))]
        #expect(alert.text(of: "details.changed") == "networkAcls.defaultAction Deny → Allow, enablePurgeProtection (unknown) → false")
        func throughState(_ alert: Alert) throws -> Alert {
            var out = StateWriter()
            alert.encode(to: &out)
            var chunks = CollectionOfOne(out.bytes).makeIterator()
            var input = StateReader(chunks: &chunks)
            return try Alert(from: &input)
        }
        #expect(try throughState(alert) == alert)
        #expect(try throughState(AlertJSONTests.unusual) == AlertJSONTests.unusual)
    }
}
