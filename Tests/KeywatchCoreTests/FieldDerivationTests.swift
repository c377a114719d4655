import Foundation
import Testing
@testable import KeywatchCore

/// Derived fields (`ip|network`, `…|accounts|foreign`, `…|public`): what each derives, how rule
/// files name them, and what they make rules do through the engine.
@Suite("Field derivations")
struct FieldDerivationTests {
    private func derive(_ derivation: FieldDerivation, _ value: FieldValue, identities: IdentityMap = .empty,
                        learned: Set<String> = []) -> FieldValue {
        derivation.apply(to: value, in: DerivationContext(identities: identities, learnedAccounts: learned))
    }

    private func strings(_ value: FieldValue) -> [String] {
        if case .list(let items) = value { return items.compactMap(\.text) }
        return value.text.map { [$0] } ?? []
    }

    @Test("network: an IPv4 address's /24, an IPv6 address's /48, IPv4-mapped as IPv4; not an address is absent")
    func network() {
        #expect(derive(.network, .string("203.0.113.9")) == .string("203.0.113.0/24"))
        #expect(derive(.network, .string("2001:db8:1:2::5")) == .string("2001:db8:1::/48"))
        #expect(derive(.network, .string("::ffff:198.51.100.7")) == .string("198.51.100.0/24"))
        #expect(derive(.network, .string("kms.amazonaws.com")) == .absent)
        #expect(derive(.network, .string("AWS Internal")) == .absent)
        #expect(derive(.network, .string("256.1.2.3")) == .absent)
        #expect(derive(.network, .string("10.1.2")) == .absent)
        #expect(derive(.network, .string("10.1.2.3.4")) == .absent)
        #expect(derive(.network, .string("10.1.2.")) == .absent)
        #expect(derive(.network, .string("0.0.0.0")) == .string("0.0.0.0/24"))
        #expect(derive(.network, .absent) == .absent)
    }

    @Test("accounts: an ARN's account, a bare id, nothing from other text")
    func accountsOfValues() {
        #expect(strings(derive(.accounts, .string("arn:aws:iam::444455556666:role/reader"))) == ["444455556666"])
        #expect(strings(derive(.accounts, .string("444455556666"))) == ["444455556666"])
        #expect(derive(.accounts, .string("arn:aws:kms:us-east-1:key/1")) == .absent)
        #expect(derive(.accounts, .string("4444555566667")) == .absent)
        #expect(strings(derive(.accounts, .list([.string("111122223333"), .string("arn:aws:iam::111122223333:root")]))) == ["111122223333"])
    }

    @Test("public: Panther's wildcard policy with no condition is open; its org-restricted policy is not")
    func pantherPolicies() throws {
        let lines = String(decoding: try externalSample("panther-analysis/kms-test-logs.jsonl"), as: UTF8.self).split(separator: "\n")
        func policy(_ line: Int) throws -> FieldValue {
            let parser = JSONParser()
            var record = String(lines[line - 1])
            return try record.withUTF8 { bytes in
                try parser.parse(UnsafeRawBufferPointer(bytes)) { $0.root.fieldValue(at: ["requestParameters", "policy"]) }
            }
        }
        // Line 8 carries the policy as an object, line 9 as a string, as CloudTrail does.
        let open = try policy(8), restricted = try policy(9)
        #expect(derive(.isPublic, open) == .string("true"))
        #expect(strings(derive(.principals, open)) == ["*"])
        #expect(derive(.isPublic, restricted) == .string("false"))
        #expect(strings(derive(.principals, restricted)) == [
            "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/ExampleRoleAssumption1",
            "arn:aws:iam::123456789012:role/ExampleRoleAssumption2", "* where aws:PrincipalOrgID=o-xxxxxxxxxx",
            "* where aws:PrincipalOrgID=o-yyyyyyyyyy",
        ])
        #expect(strings(derive(.accounts, restricted)) == ["123456789012", "o-xxxxxxxxxx", "o-yyyyyyyyyy"])
        #expect(strings(derive(.statements, open)) == ["Allow * kms:Decrypt"])
        #expect(strings(derive(.statements, restricted)).prefix(3) == [
            "Allow arn:aws:iam::123456789012:root kms:*",
            "Allow arn:aws:iam::123456789012:role/ExampleRoleAssumption1,arn:aws:iam::123456789012:role/ExampleRoleAssumption2 kms:Decrypt,kms:DescribeKey",
            "Allow * kms:Decrypt where StringEquals aws:PrincipalOrgID=o-xxxxxxxxxx; ForAnyValue:StringLike aws:PrincipalArn=arn:aws:iam::*:role/ExampleDeploymentRole*,arn:aws:iam::*:role/ExampleCodeBuild-*",
        ])
    }

    @Test("public: {AWS: *}, NotPrincipal, and conditions that restrict nothing count as open; Deny statements do not")
    func openShapes() {
        func isPublic(_ statement: String) -> FieldValue {
            derive(.isPublic, .string(#"{"Version":"2012-10-17","Statement":\#(statement)}"#))
        }
        #expect(isPublic(#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*"}"#) == .string("true"))
        #expect(isPublic(#"[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"kms:Decrypt"}]"#) == .string("true"))
        #expect(isPublic(#"[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*"}]"#) == .string("true"))
        #expect(isPublic(#"[{"Effect":"Allow","Principal":"*","Condition":{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3"}}}]"#) == .string("true"))
        #expect(isPublic(#"[{"Effect":"Allow","Principal":"*","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}}]"#) == .string("true"))
        #expect(isPublic(#"[{"Effect":"Allow","Principal":"*","Condition":{"StringLike":{"kms:CallerAccount":"*"}}}]"#) == .string("true"))
        #expect(isPublic(#"[{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]"#) == .string("true"))
        #expect(isPublic(#"[{"Effect":"Deny","Principal":"*","Action":"kms:*"}]"#) == .string("false"))
        #expect(isPublic(#"[{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","kms:ViaService":"ec2.us-east-1.amazonaws.com"}}}]"#) == .string("false"))
        #expect(derive(.isPublic, .string("not a policy")) == .absent)
        #expect(derive(.isPublic, .string(#"{"Statement": 5}"#)) == .string("false"))
    }

    @Test("foreign: accounts not listed in identities.yaml; with none listed, those not learned from the logs; organisations only when one is listed")
    func foreign() {
        let named = FieldValue.list([.string("111122223333"), .string("444455556666"), .string("o-a1b2c3d4e5")])
        let listed = IdentityMap(accounts: ["111122223333"], organizations: [])
        #expect(strings(derive(.foreign, named, identities: listed)) == ["444455556666"])
        #expect(strings(derive(.foreign, named, learned: ["444455556666"])) == ["111122223333"])
        // Learned accounts do not count once accounts are listed: the list is the truth.
        #expect(strings(derive(.foreign, named, identities: listed, learned: ["444455556666"])) == ["444455556666"])
        let organization = IdentityMap(accounts: ["111122223333", "444455556666"], organizations: ["o-ffffffffff"])
        #expect(strings(derive(.foreign, named, identities: organization)) == ["o-a1b2c3d4e5"])
        #expect(derive(.foreign, .list([.string("111122223333")]), identities: listed) == .absent)
    }

    @Test("decoy: a value matching a decoy pattern of identities.yaml")
    func decoy() throws {
        let identities = try IdentityMap.parse("""
            decoys:
              - "*/secrets/break-glass-*"
              - "arn:aws:kms:*:*:key/0000dead-*"
            """, file: "identities.yaml")
        #expect(derive(.decoy, .string("https://kv-platform.vault.azure.net/secrets/break-glass-admin"), identities: identities) == .string("true"))
        #expect(derive(.decoy, .string("arn:aws:kms:us-east-1:111122223333:key/0000dead-beef"), identities: identities) == .string("true"))
        #expect(derive(.decoy, .string("https://kv-platform.vault.azure.net/secrets/db-password"), identities: identities) == .string("false"))
        #expect(derive(.decoy, .absent, identities: identities) == .string("false"))
    }

    @Test("identities.yaml: accounts must be account ids and organizations o-…, each error naming the key")
    func identitiesErrors() {
        #expect(throws: ConfigurationError.self) { try IdentityMap.parse("accounts: [1111]", file: "identities.yaml") }
        #expect(throws: ConfigurationError.self) { try IdentityMap.parse("organization: r-abc", file: "identities.yaml") }
        do {
            _ = try IdentityMap.parse("accounts: ['111122223333', nope]", file: "identities.yaml")
            Issue.record("accepted a bad account")
        } catch {
            #expect(error.description.contains("accounts") && error.description.contains("'nope'"))
        }
        let parsed = try? IdentityMap.parse("accounts: ['111122223333']\norganization: o-a1b2c3d4e5", file: "identities.yaml")
        #expect(parsed?.accounts == ["111122223333"] && parsed?.organizations == ["o-a1b2c3d4e5"])
    }

    @Test("rule files: derivations right after the field, in where, group_by and first_seen's fields; misplaced or unknown ones are errors naming them")
    func ruleFiles() throws {
        let condition = try FieldCondition(key: "raw.requestParameters.granteePrincipal|accounts|foreign|exists", values: ["true"])
        #expect(condition.field.description == "raw.requestParameters.granteePrincipal|accounts|foreign")
        #expect(condition.comparison == .exists)
        #expect(throws: RuleError.self) { try FieldCondition(key: "ip|not|network", values: ["x"]) }
        #expect(throws: RuleError.self) { try FieldCondition(key: "ip|networks", values: ["x"]) }
        #expect(RuleField(name: "ip|network") == .derived(.normalized(.ip), .network))
        #expect(RuleField(name: "ip|nets") == nil)
        do {
            _ = try RuleFile.parse("rules:\n  - {id: r, type: first_seen, where: {outcome: success}, fields: [principal, ip|netwrk]}", file: "r.yaml")
            Issue.record("accepted an unknown derivation")
        } catch {
            #expect(error.description.contains("unknown derivation 'netwrk'"))
        }
    }

    @Test("a grant to another account's principal fires; to the event's own account, learned from its recipientAccountId, it does not")
    func foreignGrantee() {
        let foreignGrant = rule("""
            id: foreign-grant
            type: match
            where:
              operation: CreateGrant
              raw.requestParameters.granteePrincipal|accounts|foreign|exists: true
            group_by: [principal, raw.requestParameters.granteePrincipal|accounts|foreign]
            """)
        func grant(to grantee: String, at seconds: Int, account: String = "111122223333") -> String {
            cloudTrail(["eventName": "CreateGrant", "eventTime": at(seconds), "recipientAccountId": account,
                        "requestParameters": ["keyId": "arn:aws:kms:us-east-1:111122223333:key/6513270e-269e-4d37-b2a7-4de452e6b438",
                                              "granteePrincipal": grantee, "operations": ["Decrypt"]]])
        }
        let alerts = detect([foreignGrant], [[
            grant(to: "arn:aws:iam::111122223333:role/app-role", at: 0),
            grant(to: "arn:aws:iam::444455556666:role/outsider", at: 60),
            grant(to: "ec2.us-east-1.amazonaws.com", at: 120),
        ]])
        #expect(alerts.map { $0.groupValue("raw.requestParameters.granteePrincipal|accounts|foreign") } == ["444455556666"])
        // Once the other account's own logs are read, it is ours too.
        let engine = DetectionEngine(rules: [foreignGrant])
        let later = detect([foreignGrant], [[cloudTrail(["recipientAccountId": "444455556666"])],
                                            [grant(to: "arn:aws:iam::444455556666:role/outsider", at: 60)]], engine: engine)
        #expect(later.isEmpty)
        #expect(engine.state.accounts == ["111122223333", "444455556666"])
        // Listed accounts are the truth: the learned ones no longer count.
        let listed = DetectionEngine(rules: [foreignGrant], state: engine.state,
                                     identities: IdentityMap(accounts: ["111122223333"], organizations: []))
        #expect(detect([foreignGrant], [[grant(to: "arn:aws:iam::444455556666:role/outsider", at: 60)]], engine: listed).count == 1)
    }

    @Test("first_seen over ip|network: a caller moving within its /24 is not new; another network is")
    func newNetwork() {
        let newNetwork = rule("""
            id: new-network
            type: first_seen
            where: {ip|network|exists: true}
            fields: [principal, ip|network]
            learn: 0s
            """)
        func call(from ip: String, at seconds: Int) -> String {
            cloudTrail(["eventTime": at(seconds), "sourceIPAddress": ip])
        }
        let alerts = detect([newNetwork], [[
            call(from: "203.0.113.9", at: 0), call(from: "203.0.113.77", at: 60), call(from: "kms.amazonaws.com", at: 90),
            call(from: "198.51.100.7", at: 120),
        ]])
        #expect(alerts.map { $0.details.first { $0.name == "ip|network" }?.value } == [.text("203.0.113.0/24"), .text("198.51.100.0/24")])
    }

    @Test("first_seen's combinations are the digests of their values, as stored before: a state learned earlier still knows them")
    func firstSeenDigestsAsStored() {
        let newNetwork = rule("""
            id: new-network
            type: first_seen
            where: {outcome: success}
            fields: [principal, ip|network]
            learn: 0s
            """)
        var state = DetectionState()
        var known = RuleState(fingerprint: newNetwork.id + "@" + newNetwork.fileSHA256)
        known.memory.learningSince = Timestamp(parsing: "2026-11-01T00:00:00Z")
        known.memory.seen = [GroupKey.digest64(GroupKey.make(["arn:aws:iam::111122223333:role/app-role", "203.0.113.0/24"]))]
        state.rules[newNetwork.id] = known
        let engine = DetectionEngine(rules: [newNetwork], state: state)
        let alerts = detect([newNetwork], [[
            cloudTrail(["eventTime": at(0), "sourceIPAddress": "203.0.113.50"]),
            cloudTrail(["eventTime": at(60), "sourceIPAddress": "198.51.100.50"]),
        ]], engine: engine)
        #expect(alerts.map(\.summary) == [
            "first time seen: principal=arn:aws:iam::111122223333:role/app-role, ip|network=198.51.100.0/24 (Decrypt)",
        ])
    }
}
