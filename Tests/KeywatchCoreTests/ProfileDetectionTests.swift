import Testing
@testable import KeywatchCore

/// `outside_profile` and the default rules of `rules/profiles.yaml`, events in and alerts out
/// through ``DetectionEngine``, with the identity map attributing the events as ingest does.
@Suite("Profiles: outside_profile and human data-plane access")
struct ProfileDetectionTests {
    static let identities = try! IdentityMap.parse("""
        namespaces:
          payments:
            principals:
              - "8d116ece-1738-47d9-bd9c-172411e20b8f"
              - "arn:aws:iam::111122223333:role/payments-irsa"
            profile: secrets-reader
          kube-system:
            principals: ["1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6"]
            profile: kms-plugin
        profiles:
          "arn:aws:iam::111122223333:role/payments-irsa": [Decrypt, GenerateDataKey*]
          "arn:aws:iam::111122223333:role/batch-export": Decrypt
        """, file: "identities.yaml")

    /// The rules of `rules/profiles.yaml`, as shipped.
    static let shipped = try! RuleFile.parse(String(decoding: try! repositoryFile("rules/profiles.yaml"), as: UTF8.self),
                                             file: "profiles.yaml")
    static let outside = shipped.first { $0.id == "workload-outside-profile" }!
    static let human = shipped.first { $0.id == "human-data-plane-access" }!

    static var paymentsIdentity: [String: Any] {
        ["claim": ["oid": "8d116ece-1738-47d9-bd9c-172411e20b8f", "appid": "5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "idtyp": "app"]]
    }
    static var pluginIdentity: [String: Any] {
        ["claim": ["oid": "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6", "appid": "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "idtyp": "app"]]
    }

    /// A Key Vault call `operation` at `time` by `identity` on the payments `db-password`.
    static func vault(_ operation: String, at time: String, by identity: [String: Any], status: Int = 200) -> String {
        keyVault(["operationName": operation, "time": time, "resultSignature": status == 200 ? "OK" : "Forbidden",
                  "correlationId": "c0ffee00-0000-4000-8000-\(String(time.filter(\.isNumber).suffix(12)))"],
                 properties: ["httpStatusCode": status], identity: identity)
    }

    static func outsideAlerts(_ events: [String]) -> [Alert] {
        detect([outside], [events], identities: identities)
    }

    @Test("a conforming workload stays quiet: each caller's operations are inside its profile")
    func conformingWorkloadIsQuiet() {
        let events = [
            Self.vault("SecretGet", at: at(0), by: Self.paymentsIdentity),
            Self.vault("SecretList", at: at(1), by: Self.paymentsIdentity),
            Self.vault("KeyUnwrap", at: at(2), by: Self.pluginIdentity),
            Self.vault("KeyWrap", at: at(3), by: Self.pluginIdentity),
            kmsCall(at: at(4), by: "payments-irsa"),
            kmsCall(at: at(5), by: "payments-irsa", "GenerateDataKeyWithoutPlaintext"),
            kmsCall(at: at(6), by: "batch-export"),
            // Callers without a profile: nothing to step outside of.
            kmsCall(at: at(7), by: "someone-else", "ScheduleKeyDeletion"),
            Self.vault("SecretDelete", at: at(8), by: ["claim": ["oid": "2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d", "upn": "analyst@contoso.example"]]),
        ]
        #expect(Self.outsideAlerts(events).isEmpty)
    }

    @Test("a namespace's profile: its workload's operation outside it alerts, once per principal and operation an hour")
    func violationByNamespaceProfile() throws {
        let alerts = Self.outsideAlerts([
            Self.vault("SecretGet", at: at(0), by: Self.paymentsIdentity),
            Self.vault("SecretDelete", at: at(1), by: Self.paymentsIdentity),
            Self.vault("SecretDelete", at: at(2), by: Self.paymentsIdentity, status: 403),
            Self.vault("SecretGet", at: at(3), by: Self.pluginIdentity),
        ])
        #expect(alerts.map(\.count) == [2, 1])
        let delete = try #require(alerts.first)
        #expect(delete.summary == "8d116ece-1738-47d9-bd9c-172411e20b8f of namespace payments: SecretDelete on "
            + "https://kv-payments-prod.vault.azure.net/secrets/db-password, outside its profile secrets-reader (SecretGet, SecretList, SecretListVersions)")
        #expect(delete.details == [
            AlertDetail("operation", .text("SecretDelete")),
            AlertDetail("profile", .list(["secrets-reader"])),
            AlertDetail("profile_operations", .list(["SecretGet", "SecretList", "SecretListVersions"])),
            AlertDetail("profile_of", .text("namespace payments")),
        ])
        #expect(delete.group.map(\.field) == ["principal", "operation"])
        // The KMS plugin reading a secret.
        #expect(alerts.last?.summary.hasPrefix("1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6 of namespace kube-system: SecretGet on ") == true)
        #expect(alerts.last?.details.last == AlertDetail("profile_of", .text("namespace kube-system")))
    }

    @Test("a principal's own profile: outside it alerts, whatever its namespace's says")
    func violationByPrincipalProfile() throws {
        let alerts = Self.outsideAlerts([
            // Its namespace's profile (secrets-reader) would make every one of these an alert: its own allows two.
            kmsCall(at: at(0), by: "payments-irsa"),
            kmsCall(at: at(1), by: "payments-irsa", "GenerateDataKey"),
            kmsCall(at: at(2), by: "payments-irsa", "Encrypt"),
            // A principal in no namespace, with a profile of its own.
            kmsCall(at: at(3), by: "batch-export", "Encrypt", denied: true),
        ])
        #expect(alerts.count == 2)
        let own = try #require(alerts.first)
        #expect(own.summary == "arn:aws:iam::111122223333:role/payments-irsa of namespace payments: Encrypt on "
            + "arn:aws:kms:us-east-1:111122223333:key/6513270e-269e-4d37-b2a7-4de452e6b438, outside its profile [Decrypt, GenerateDataKey*]")
        #expect(own.details.last == AlertDetail("profile_of", .text("principal arn:aws:iam::111122223333:role/payments-irsa")))
        #expect(alerts.last?.summary.hasPrefix("arn:aws:iam::111122223333:role/batch-export: Encrypt (denied) on ") == true)
        #expect(alerts.last?.details.first == AlertDetail("operation", .text("Encrypt")))
    }

    @Test("an IRSA session's namespace brings its profile to a role the map does not name")
    func violationByIRSANamespace() throws {
        let session = "botocore-session-1732093200"
        let sts = cloudTrail(["eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity", "eventTime": at(0),
                              "requestParameters": ["roleArn": roleARN("ledger-irsa"), "roleSessionName": session],
                              "resources": [["type": "AWS::IAM::Role", "ARN": roleARN("ledger-irsa")]]],
                             identity: ["type": "WebIdentityUser", "userName": "system:serviceaccount:kube-system:kms-sidecar"])
        func call(_ name: String, at time: String, id: String) -> String {
            cloudTrail(["eventName": name, "eventTime": time, "eventID": id], identity: [
                "type": "AssumedRole", "principalId": "AROAEXAMPLE:\(session)", "accountId": "111122223333",
                "arn": "arn:aws:sts::111122223333:assumed-role/ledger-irsa/\(session)",
                "sessionContext": ["sessionIssuer": ["type": "Role", "arn": roleARN("ledger-irsa"), "userName": "ledger-irsa"]]])
        }
        // The session opens in one batch; its calls come in the next, as from a later file.
        let alerts = detect([Self.outside], [[sts], [call("Decrypt", at: at(1), id: "k1"), call("DisableKey", at: at(2), id: "k2")]],
                            identities: Self.identities)
        #expect(alerts.count == 1)
        #expect(alerts.first?.summary.hasPrefix("arn:aws:iam::111122223333:role/ledger-irsa of namespace kube-system: DisableKey on ") == true)
        #expect(alerts.first?.summary.hasSuffix("outside its profile kms-plugin (KeyWrap, KeyUnwrap, KeyGet, Encrypt, Decrypt, GenerateDataKey*, DescribeKey)") == true)
        // Without the session the role is no one's: quiet.
        #expect(detect([Self.outside], [[call("DisableKey", at: at(2), id: "k2")]], identities: Self.identities).isEmpty)
    }

    @Test("verdicts are per caller within a batch: one role's sessions in two namespaces, and hundreds of callers")
    func verdictsPerCaller() throws {
        func session(_ name: String, for account: String, at time: String) -> String {
            cloudTrail(["eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity", "eventTime": time, "eventID": "sts-\(name)",
                        "requestParameters": ["roleArn": roleARN("shared-irsa"), "roleSessionName": name],
                        "resources": [["type": "AWS::IAM::Role", "ARN": roleARN("shared-irsa")]]],
                       identity: ["type": "WebIdentityUser", "userName": account])
        }
        func decrypt(in session: String, at time: String) -> String {
            cloudTrail(["eventTime": time, "eventID": "decrypt-\(session)"], identity: [
                "type": "AssumedRole", "principalId": "AROAEXAMPLE:\(session)", "accountId": "111122223333",
                "arn": "arn:aws:sts::111122223333:assumed-role/shared-irsa/\(session)",
                "sessionContext": ["sessionIssuer": ["type": "Role", "arn": roleARN("shared-irsa"), "userName": "shared-irsa"]]])
        }
        // The same role, principal and operation: inside kube-system's kms-plugin, outside payments' secrets-reader.
        let shared = detect([Self.outside], [[session("plugin", for: "system:serviceaccount:kube-system:app", at: at(0)),
                                              session("api", for: "system:serviceaccount:payments:app", at: at(1)),
                                              decrypt(in: "plugin", at: at(2)), decrypt(in: "api", at: at(3))]],
                            identities: Self.identities)
        #expect(shared.count == 1)
        #expect(shared.first?.details.last == AlertDetail("profile_of", .text("namespace payments")))

        // 300 roles with profiles of their own in one batch, each decrypting: those whose profile is [Encrypt] alert.
        var profiles: [String: OperationProfile] = [:]
        for worker in 0..<300 {
            profiles[roleARN("worker-\(worker)")] = OperationProfile([.operation(Glob(worker % 3 == 0 ? "Encrypt" : "Decrypt"))])
        }
        let workers = (0..<300).map { kmsCall(at: at($0), by: "worker-\($0)") }
        let alerts = detect([Self.outside], [workers], identities: IdentityMap(profiles: profiles))
        #expect(alerts.count == 100)
        #expect(Set(alerts.compactMap { $0.group.first?.value }) == Set((0..<300).filter { $0 % 3 == 0 }.map { roleARN("worker-\($0)") }))
    }

    @Test("with no profile anywhere, the rule never fires")
    func noProfilesNoFindings() throws {
        let map = try IdentityMap.parse("namespaces:\n  payments:\n    principals: [\"8d116ece-1738-47d9-bd9c-172411e20b8f\"]\n", file: "ids.yaml")
        #expect(detect([Self.outside], [[Self.vault("SecretDelete", at: at(0), by: Self.paymentsIdentity)]], identities: map).isEmpty)
    }

    @Test("the human rule fires on a person's secret read or key use, not on an app's, a denial, a listing or the allowlisted account")
    func humanDataPlaneAccess() throws {
        let analyst: [String: Any] = ["claim": ["oid": "2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d", "upn": "analyst@contoso.example",
                                                "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46"]]
        func iamUser(_ name: String) -> [String: Any] {
            ["type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::111122223333:user/\(name)",
             "accountId": "111122223333", "userName": name]
        }
        func decrypt(by user: String, at time: String) -> String {
            cloudTrail(["eventTime": time, "eventID": "decrypt-\(user)"], identity: iamUser(user))
        }
        let alerts = detect([Self.human], [[
            Self.vault("SecretGet", at: at(0), by: analyst),
            Self.vault("SecretGet", at: at(1), by: Self.paymentsIdentity),
            Self.vault("SecretGet", at: at(2), by: analyst, status: 403),
            Self.vault("SecretList", at: at(3), by: analyst),
            decrypt(by: "alice", at: at(4)),
            decrypt(by: "break-glass-example", at: at(5)),
        ]])
        #expect(alerts.map { $0.group.first?.value } == ["2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d", "arn:aws:iam::111122223333:user/alice"])
        #expect(alerts.first?.summary.hasPrefix("SecretGet by analyst@contoso.example on ") == true)
        #expect(alerts.map(\.count) == [1, 1])
    }
}
