import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchStore

/// Generated traffic whose true usage is known: each workload calls the operations of its plan on
/// its resources a random number of times (and some calls are denied, some fall before the span).
/// The review must list exactly that usage, suggest the narrowest role covering it, and write an
/// IAM policy of exactly the actions and keys used.
@Suite("Access review")
struct AccessReviewTests {
    /// One workload's plan: operations on resources, each done a random number of times.
    struct Plan {
        var principal: String
        var calls: [(operation: String, resource: String)]
        var expectedRoles: [String: String] = [:]   // "vault/kind" → role
    }

    static let subscription = "6f2a9c1b-3d4e-4f50-8a61-7b8c9d0e1f2a"
    static let now = Date()

    static func keyVault(_ principal: String, _ operation: String, _ object: String, at time: Date, status: Int = 200, user: Bool = false) -> String {
        let claim = user ? #""oid":"\#(principal)","upn":"someone@example.org""# : #""oid":"\#(principal)","appid":"a-\#(principal)""#
        let id = object.isEmpty ? "https://kv-a.vault.azure.net/" : "https://kv-a.vault.azure.net/\(object)/1"
        return #"{"time":"\#(iso(time))","category":"AuditEvent","operationName":"\#(operation)","resourceId":"/SUBSCRIPTIONS/\#(subscription.uppercased())/RESOURCEGROUPS/RG-A/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-A","resultSignature":"OK","callerIpAddress":"10.0.0.1","identity":{"claim":{\#(claim)}},"properties":{"id":"\#(id)","httpStatusCode":\#(status)}}"#
    }

    static func kms(_ role: String, _ operation: String, _ key: String?, at time: Date, denied: Bool = false) -> String {
        let resources = key.map { #","resources":[{"ARN":"\#($0)","accountId":"111122223333","type":"AWS::KMS::Key"}]"# } ?? ""
        let error = denied ? #","errorCode":"AccessDeniedException","errorMessage":"no identity-based policy allows""# : ""
        return #"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROA:s","arn":"arn:aws:sts::111122223333:assumed-role/\#(role)/s","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA","arn":"arn:aws:iam::111122223333:role/\#(role)","accountId":"111122223333","userName":"\#(role)"}}},"eventTime":"\#(iso(time).prefix(19))Z","eventSource":"kms.amazonaws.com","eventName":"\#(operation)","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.2","userAgent":"aws-sdk","requestParameters":null,"responseElements":null,"requestID":"\#(UUID())","eventID":"\#(UUID())","readOnly":true\#(resources)\#(error),"eventType":"AwsApiCall","recipientAccountId":"111122223333"}"#
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Writes `records` (Key Vault records and CloudTrail records, one JSON each) to a new store.
    static func store(_ records: [String], in directory: TemporaryDirectory) throws -> String {
        let path = directory.path("review.db")
        let store = try EventStore(path: path)
        var batch = EventBatch()
        for (index, record) in records.enumerated() {
            let document = record.contains("\"eventSource\"") ? #"{"Records":[\#(record)]}"# : record
            Array(document.utf8).withUnsafeBytes {
                RecordDecoder().decodeDocument($0, origin: Origin(input: "file:generated", offset: Int64(index)), into: &batch)
            }
        }
        #expect(batch.rows.count == records.count, "every generated record decodes")
        _ = try store.write(PreparedBatch(batch: batch, compressor: RawBlockCompressor()))
        return path
    }

    static let key1 = "arn:aws:kms:us-east-1:111122223333:key/11111111-1111-4111-8111-111111111111"
    static let key2 = "arn:aws:kms:us-east-1:111122223333:key/22222222-2222-4222-8222-222222222222"

    static let plans: [Plan] = [
        Plan(principal: "00000000-0000-4000-8000-000000000001",
             calls: [("SecretGet", "secrets/db-password"), ("SecretGet", "secrets/api-key")],
             expectedRoles: ["kv-a/secrets": "Key Vault Secrets User"]),
        Plan(principal: "00000000-0000-4000-8000-000000000002",
             calls: [("KeyWrap", "keys/etcd-kek"), ("KeyUnwrap", "keys/etcd-kek"), ("KeyGet", "keys/etcd-kek")],
             expectedRoles: ["kv-a/keys": "Key Vault Crypto Service Encryption User"]),
        Plan(principal: "00000000-0000-4000-8000-000000000003",
             calls: [("KeyEncrypt", "keys/data"), ("KeyDecrypt", "keys/data"), ("KeyList", "")],
             expectedRoles: ["kv-a/keys": "Key Vault Crypto User"]),
        Plan(principal: "00000000-0000-4000-8000-000000000004",
             calls: [("SecretList", ""), ("KeyGet", "keys/data")],
             expectedRoles: ["kv-a/secrets": "Key Vault Reader", "kv-a/keys": "Key Vault Reader"]),
        Plan(principal: "00000000-0000-4000-8000-000000000005",
             calls: [("SecretSet", "secrets/rotated"), ("SecretGet", "secrets/rotated"), ("SecretPurge", "secrets/old")],
             expectedRoles: ["kv-a/secrets": "Key Vault Secrets Officer"]),
        Plan(principal: "00000000-0000-4000-8000-000000000006",
             calls: (1...12).map { ("SecretGet", "secrets/tenant-\($0)") },
             expectedRoles: ["kv-a/secrets": "Key Vault Secrets User"]),
    ]

    static let kmsCalls: [(operation: String, key: String?)] = [
        ("Decrypt", key1), ("GenerateDataKey", key1), ("GenerateDataKey", key2), ("Encrypt", key2), ("ListKeys", nil),
    ]

    @Test("the review lists exactly the calls each workload made, the narrowest roles, and an IAM policy of exactly what was used")
    func generatedTraffic() throws {
        var random = SystemRandomNumberGenerator()
        var records: [String] = []
        var truth: [String: [String: Int]] = [:]   // principal → "operation resource" → count
        var minute = 0.0
        func next() -> Date { minute += 1; return Self.now.addingTimeInterval(-86_400 * 10 + minute * 60) }
        for plan in Self.plans {
            for call in plan.calls {
                let count = Int.random(in: 1...4, using: &random)
                for _ in 0..<count { records.append(Self.keyVault(plan.principal, call.operation, call.resource, at: next())) }
                let resource = call.resource.isEmpty ? "https://kv-a.vault.azure.net/" : "https://kv-a.vault.azure.net/\(call.resource)"
                truth[plan.principal, default: [:]]["\(call.operation) \(resource)", default: 0] += count
            }
        }
        // Denied calls are listed as denied, never granted; calls before the span are not reviewed.
        records.append(Self.keyVault(Self.plans[0].principal, "SecretGet", "secrets/not-yours", at: next(), status: 403))
        records.append(Self.keyVault(Self.plans[0].principal, "SecretDelete", "secrets/db-password", at: Self.now.addingTimeInterval(-86_400 * 60)))
        records.append(Self.keyVault(Self.plans[1].principal, "SecretGet", "secrets/forgotten", at: Self.now.addingTimeInterval(-86_400 * 60)))
        var kmsTruth: [String: Int] = [:]
        for call in Self.kmsCalls {
            let count = Int.random(in: 1...4, using: &random)
            for _ in 0..<count { records.append(Self.kms("payments-irsa", call.operation, call.key, at: next())) }
            kmsTruth["\(call.operation) \(call.key ?? "-")", default: 0] += count
        }
        records.append(Self.kms("payments-irsa", "ScheduleKeyDeletion", Self.key1, at: next(), denied: true))

        let directory = TemporaryDirectory()
        let path = try Self.store(records, in: directory)
        let since = Timestamp(microseconds: Int64((Self.now.timeIntervalSince1970 - 86_400 * 30) * 1_000_000))
        let review = try EventReader(path: path).accessReview(of: UsageFilter(since: since))

        for plan in Self.plans {
            let entry = try #require(review.entries.first { $0.caller.principal == plan.principal })
            var seen: [String: Int] = [:]
            for use in entry.used { seen["\(use.operation) \(use.resource ?? "-")", default: 0] += use.count }
            #expect(seen == truth[plan.principal], "calls of \(plan.principal)")
            var roles: [String: String] = [:]
            for role in entry.roles { roles["\(role.vault)/\(role.kind.rawValue)"] = role.role }
            #expect(roles == plan.expectedRoles, "roles of \(plan.principal)")
            let vaultID = "/subscriptions/\(Self.subscription)/resourceGroups/RG-A/providers/Microsoft.KeyVault/vaults/kv-a"
            for role in entry.roles { #expect(role.scopes.allSatisfy { $0.hasPrefix(vaultID) }, "\(role.scopes)") }
        }
        // Scopes: the objects when few and not listed, else the vault.
        let reader = try #require(review.entries.first { $0.caller.principal == Self.plans[0].principal })
        #expect(reader.roles[0].scopes.map { $0.split(separator: "/").suffix(2).joined(separator: "/") } == ["secrets/api-key", "secrets/db-password"])
        #expect(reader.denied.map(\.operation) == ["SecretGet"] && reader.findings.map(\.kind) == [.denied])
        let lister = try #require(review.entries.first { $0.caller.principal == Self.plans[2].principal })
        #expect(lister.roles[0].scopes.count == 1 && lister.roles[0].scopes[0].hasSuffix("/vaults/kv-a"), "listing needs the vault")
        let many = try #require(review.entries.first { $0.caller.principal == Self.plans[5].principal })
        #expect(many.roles[0].scopes.count == 1 && many.findings.map(\.kind) == [.vaultWide])
        let admin = try #require(review.entries.first { $0.caller.principal == Self.plans[4].principal })
        #expect(admin.findings.map(\.kind) == [.adminAndData])
        #expect(admin.accessPolicies.map(\.secrets) == [["get", "purge", "set"]])
        #expect(review.entries.first { $0.caller.principal == Self.plans[1].principal }?.findings.isEmpty == true)

        // KMS: exactly the actions on exactly the keys, in a policy IAM would parse.
        let irsa = try #require(review.entries.first { $0.caller.principal == "arn:aws:iam::111122223333:role/payments-irsa" })
        var seen: [String: Int] = [:]
        for use in irsa.used { seen["\(use.operation) \(use.resource ?? "-")", default: 0] += use.count }
        #expect(seen == kmsTruth)
        let policy = try #require(irsa.kmsPolicy).json(pretty: true)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(policy.utf8)) as? [String: Any])
        #expect(document["Version"] as? String == "2012-10-17")
        let statements = try #require(document["Statement"] as? [[String: Any]])
        var granted: Set<String> = []
        for statement in statements {
            #expect(statement["Effect"] as? String == "Allow")
            let actions = try #require(statement["Action"] as? [String])
            let resources = (statement["Resource"] as? [String]) ?? [(statement["Resource"] as? String) ?? "?"]
            for action in actions { for resource in resources { granted.insert("\(action.dropFirst(4)) \(resource == "*" ? "-" : resource)") } }
        }
        #expect(granted == Set(kmsTruth.keys), "the policy grants each action on each key it was used on, and nothing else")
        #expect(irsa.denied.map(\.operation) == ["ScheduleKeyDeletion"])

        // What nobody used in the span: the secret touched only before it, and the one only denied.
        #expect(Set(review.unusedResources.map(\.objectName)) == ["forgotten", "not-yours"], "db-password was used in the span")
    }

    @Test("the narrowest role is the first of its kind covering every operation; the officer covers the rest")
    func narrowestRole() {
        #expect(KeyVaultRole.narrowest(of: .secrets, covering: ["SecretGet"]).name == "Key Vault Secrets User")
        #expect(KeyVaultRole.narrowest(of: .secrets, covering: ["SecretList"]).name == "Key Vault Reader")
        #expect(KeyVaultRole.narrowest(of: .keys, covering: ["KeyUnwrap", "KeyWrap"]).name == "Key Vault Crypto Service Encryption User")
        #expect(KeyVaultRole.narrowest(of: .keys, covering: ["KeySign"]).name == "Key Vault Crypto User")
        #expect(KeyVaultRole.narrowest(of: .keys, covering: ["KeyRotate"]).name == "Key Vault Crypto Officer")
        #expect(KeyVaultRole.narrowest(of: .keys, covering: ["KeyRotationPolicyGet"]).name == "Key Vault Reader")
        #expect(KeyVaultRole.narrowest(of: .keys, covering: ["KeyRotationPolicyGet", "KeyUnwrap"]).name == "Key Vault Crypto Officer",
                "no role but Reader and the officer reads rotation policies")
        #expect(!KeyVaultRole.needsVaultScope(.secrets, ["SecretGet", "SecretListVersions"]))
        #expect(KeyVaultRole.needsVaultScope(.secrets, ["SecretPurge"]) && KeyVaultRole.needsVaultScope(.secrets, ["SecretList"]))
        #expect(KeyVaultRole.narrowest(of: .certificates, covering: ["CertificateGet"]).name == "Key Vault Reader")
        #expect(KeyVaultRole.narrowest(of: .vault, covering: ["VaultPatch"]).name == "Key Vault Contributor")
    }

    @Test("values from the logs are quoted in suggested commands, so a hostile name cannot run anything")
    func hostileNamesAreQuoted() {
        #expect(ShellWord.quoted("kv-a") == "kv-a")
        #expect(ShellWord.quoted("x; rm -rf /") == "'x; rm -rf /'")
        #expect(ShellWord.quoted("it's") == #"'it'\''s'"#)
        #expect(ShellWord.quoted("$(id)") == "'$(id)'")
    }

    /// The commands run through a real shell, `az` swapped for `printf`: each hostile value must
    /// arrive as the one argument it was, and nothing in it may run.
    @Test("a suggested command run by a shell passes each hostile value as one argument and runs none of it")
    func hostileCommandsInAShell() throws {
        let directory = TemporaryDirectory()
        let marker = directory.path("ran")
        let principals = [
            "x'\u{301}; touch \(marker) #",           // an apostrophe with a combining mark: one Character, not "'"
            "$(touch \(marker))", "`touch \(marker)`", "--scope=/", "-x", "a\nb", "plain",
        ]
        for principal in principals {
            let role = RoleSuggestion.command(role: "Key Vault Secrets User", principal: principal, type: .app, scope: "/s'x/$(id)")
            let policy = try #require(AccessPolicySuggestion.permissions(
                for: [Self.use(operation: "SecretGet", principal: principal, vault: "kv-'; touch \(marker)")], principal: principal).first).command
            for command in [role, policy] {
                let shell = Process()
                shell.executableURL = URL(fileURLWithPath: "/bin/sh")
                shell.arguments = ["-c", "printf '%s\\n'" + command.dropFirst(2)]
                let output = Pipe()
                shell.standardOutput = output
                try shell.run()
                let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                shell.waitUntilExit()
                #expect(shell.terminationStatus == 0, "\(command)")
                #expect(printed.contains("=\(principal)\n"), "the principal arrives whole: \(printed)")
                #expect(!FileManager.default.fileExists(atPath: marker), "\(command) ran something")
            }
        }
    }

    static func use(operation: String, principal: String = "p", vault: String = "kv-a", resource: String? = nil,
                    source: EventSource = .azureKeyVault, region: String? = nil, account: String? = nil) -> ResourceUsage {
        ResourceUsage(principal: principal, principalType: .app, principalName: nil, namespace: nil, serviceAccount: nil,
                      source: source, operation: operation, operationClass: .read, outcome: .success, resource: resource,
                      resourceType: .secret, objectName: nil, scope: vault, account: account, region: region, count: 1,
                      first: Timestamp(microseconds: 0), last: Timestamp(microseconds: 0))
    }

    @Test("access-policy permissions come from a table: unknown or hostile operations are left out")
    func permissionsFromATable() {
        #expect(KeyVaultPermission.of("KeyUnwrap")?.permission == "unwrapKey")
        #expect(KeyVaultPermission.of("SecretUpdate")?.permission == "set")
        #expect(KeyVaultPermission.of("CertificatePendingMerge")?.permission == "create")
        #expect(KeyVaultPermission.of("Secret$(touch x)") == nil)
        #expect(KeyVaultPermission.of("CertificateEnroll") == nil)
        #expect(KeyVaultPermission.of("VaultGet") == nil)
    }

    @Test("KMS: ReEncrypt is kms:ReEncrypt*, a call through an alias is granted with kms:RequestAlias, a bare key id gets an ARN, a hostile name no action")
    func kmsPolicyShapes() throws {
        let key = "arn:aws:kms:us-east-1:111122223333:key/k1"
        let uses = [
            Self.use(operation: "ReEncrypt", resource: key, source: .awsKMS),
            Self.use(operation: "Decrypt", resource: "arn:aws:kms:us-east-1:111122223333:alias/payments", source: .awsKMS),
            Self.use(operation: "CreateAlias", resource: "arn:aws:kms:us-east-1:111122223333:alias/payments", source: .awsKMS),
            Self.use(operation: "Encrypt", resource: "k2", source: .awsKMS, region: "eu-west-1", account: "111122223333"),
            Self.use(operation: "Encrypt", resource: "k3", source: .awsKMS),
            Self.use(operation: "Decrypt\"]}", resource: key, source: .awsKMS),
        ]
        let policy = try #require(KMSPolicy(uses: uses))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(policy.json(pretty: false).utf8)) as? [String: Any])
        let statements = try #require(document["Statement"] as? [[String: Any]])
        func statement(_ resource: String) -> [String: Any]? {
            statements.first { ($0["Resource"] as? [String])?.contains(resource) == true || $0["Resource"] as? String == resource && $0["Condition"] != nil }
        }
        #expect(statement(key)?["Action"] as? [String] == ["kms:ReEncrypt*"], "and no action from the hostile name")
        #expect(statement("arn:aws:kms:us-east-1:111122223333:alias/payments")?["Action"] as? [String] == ["kms:CreateAlias"])
        #expect(statement("arn:aws:kms:eu-west-1:111122223333:key/k2")?["Action"] as? [String] == ["kms:Encrypt"])
        #expect(statement("arn:aws:kms:*:*:key/k3")?["Action"] as? [String] == ["kms:Encrypt"])
        let throughAlias = try #require(statement("*"))
        #expect(throughAlias["Action"] as? [String] == ["kms:Decrypt"])
        #expect((throughAlias["Condition"] as? [String: [String: [String]]])?["StringEquals"]?["kms:RequestAlias"] == ["alias/payments"])
    }

    @Test("a compact policy reads the same indented")
    func prettyJSON() throws {
        let compact = #"{"a":[1,2],"b":{"c":"x,{y}:\"z"},"d":[{"e":[]}]}"#
        let pretty = PrettyJSON.indent(compact)
        let left = try JSONSerialization.jsonObject(with: Data(compact.utf8)) as? NSDictionary
        let right = try JSONSerialization.jsonObject(with: Data(pretty.utf8)) as? NSDictionary
        #expect(left == right)
        #expect(pretty.contains(#""a": [1, 2]"#) && pretty.split(separator: "\n").count > 5)
    }
}
