import Testing
@testable import KeywatchCore

@Suite("Profiles in identities.yaml")
struct ProfileParsingTests {
    static let yaml = """
        namespaces:
          payments:
            principals:
              - "8d116ece-1738-47d9-bd9c-172411e20b8f"
              - "arn:aws:iam::111122223333:role/payments-irsa"
            profile: [secrets-reader, Decrypt, GenerateDataKey*]
          kube-system:
            principals: ["1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6"]
            profile: kms-plugin
          batch:
            principals: ["arn:aws:iam::111122223333:role/batch-report"]
        profiles:
          "ARN:aws:iam::111122223333:role/payments-irsa": [crypto-user]
          "5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f": SecretGet
          "system:serviceaccount:payments:migrator": [secrets-reader, SecretSet]
        """

    static func map() throws -> IdentityMap { try IdentityMap.parse(yaml, file: "rules/identities.yaml") }

    @Test("a profile is one entry or a list: operations, globs over them, built-ins, mixed")
    func entries() throws {
        let map = try Self.map()
        let payments = try #require(map.namespaces["payments"]?.profile)
        #expect(payments.entries == [.builtIn(.secretsReader), .operation(Glob("Decrypt")), .operation(Glob("GenerateDataKey*"))])
        #expect(payments.operations.map(\.pattern) == ["SecretGet", "SecretList", "SecretListVersions", "Decrypt", "GenerateDataKey*"])
        #expect(payments.contains("SecretListVersions") && payments.contains("Decrypt"))
        #expect(payments.contains("GenerateDataKeyWithoutPlaintext") && payments.contains("generatedatakeypair"))
        #expect(!payments.contains("SecretSet") && !payments.contains("Encrypt") && !payments.contains(""))
        #expect(map.namespaces["kube-system"]?.profile == OperationProfile([.builtIn(.kmsPlugin)]))
        #expect(map.namespaces["batch"]?.profile == nil)
        #expect(map.profiles["5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"]?.entries == [.operation(Glob("SecretGet"))])
        #expect(payments.name == "[secrets-reader, Decrypt, GenerateDataKey*]")
        #expect(map.namespaces["kube-system"]?.profile?.explained
            == "kms-plugin (KeyWrap, KeyUnwrap, KeyGet, Encrypt, Decrypt, GenerateDataKey*, DescribeKey)")
        #expect(map.profiles["5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"]?.explained == "SecretGet")
    }

    @Test("the built-ins hold what the workloads they are named after call")
    func builtIns() {
        let plugin = OperationProfile([.builtIn(.kmsPlugin)])
        for operation in ["KeyWrap", "KeyUnwrap", "KeyGet", "Encrypt", "Decrypt", "GenerateDataKey", "DescribeKey"] {
            #expect(plugin.contains(operation), "\(operation)")
        }
        #expect(!plugin.contains("SecretGet") && !plugin.contains("KeyDelete") && !plugin.contains("CreateGrant"))
        let reader = OperationProfile([.builtIn(.secretsReader)])
        #expect(reader.contains("SecretGet") && reader.contains("SecretList") && !reader.contains("SecretSet") && !reader.contains("KeyGet"))
        let crypto = OperationProfile([.builtIn(.cryptoUser)])
        for operation in ["KeySign", "KeyVerify", "KeyList", "ReEncrypt", "GenerateMac", "VerifyMac", "GetPublicKey", "GenerateDataKeyPair"] {
            #expect(crypto.contains(operation), "\(operation)")
        }
        #expect(!crypto.contains("KeyCreate") && !crypto.contains("ScheduleKeyDeletion") && !crypto.contains("SecretGet"))
        let certificates = OperationProfile([.builtIn(.certificatesReader)])
        #expect(certificates.contains("CertificateGet") && certificates.contains("SecretGet") && !certificates.contains("CertificateCreate"))
        #expect(BuiltInProfile.names == ["certificates-reader", "crypto-user", "kms-plugin", "secrets-reader"])
    }

    @Test("a principal's own profile overrides its namespace's; a caller is matched by principal, client id or service account")
    func whichProfileApplies() throws {
        let map = try Self.map()
        let role = "arn:aws:iam::111122223333:role/payments-irsa"
        #expect(map.profile(ofPrincipal: role)?.holder == .principal("ARN:aws:iam::111122223333:role/payments-irsa"))
        #expect(map.allows("KeySign", principal: role) == true)
        #expect(map.allows("SecretGet", principal: role) == false, "its own profile, not its namespace's")
        // Placed in payments by the map, or by the event's namespace (an IRSA session).
        #expect(map.profile(ofPrincipal: "8D116ECE-1738-47D9-BD9C-172411E20B8F")?.holder == .namespace("payments"))
        #expect(map.profile(ofPrincipal: "arn:aws:iam::111122223333:role/ledger", namespace: "payments")?.holder == .namespace("payments"))
        #expect(map.allows("SecretSet", principal: "arn:aws:iam::111122223333:role/ledger", namespace: "payments") == false)
        // By client id (appid), and by service account subject.
        #expect(map.profile(ofPrincipal: "unknown-oid", appID: "5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f")?.holder
            == .principal("5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"))
        let migrator = map.profile(ofPrincipal: "arn:aws:iam::111122223333:role/migrations", namespace: "payments", serviceAccount: "migrator")
        #expect(migrator?.holder == .principal("system:serviceaccount:payments:migrator"))
        #expect(migrator?.profile.contains("SecretSet") == true)
        // A subject the map does not list is in its own namespace.
        #expect(map.profile(ofPrincipal: "system:serviceaccount:kube-system:kms")?.holder == .namespace("kube-system"))
        // No profile: a namespace without one, a principal in none.
        #expect(map.profile(ofPrincipal: "arn:aws:iam::111122223333:role/batch-report") == nil)
        #expect(map.allows("Decrypt", principal: "someone") == nil)
        #expect(!IdentityMap.empty.hasProfiles && map.hasProfiles)
    }

    @Test("errors name the file, the line and the key", arguments: [
        ("namespaces:\n  payments:\n    profile: [secrets-readers]\n",
         "rules/identities.yaml:3: namespaces.payments.profile: unknown built-in profile 'secrets-readers' (known: certificates-reader, crypto-user, kms-plugin, secrets-reader); an operation is written as the logs write it, e.g. SecretGet"),
        ("profiles:\n  a:\n    - Decrypt\n    - decrypt\n",
         "rules/identities.yaml:4: profiles.a: unknown built-in profile 'decrypt' (known: certificates-reader, crypto-user, kms-plugin, secrets-reader); an operation is written as the logs write it, e.g. SecretGet"),
        ("namespaces:\n  payments:\n    profile: []\n",
         "rules/identities.yaml:3: namespaces.payments.profile: an empty profile would make every operation an alert: list the operations expected (e.g. [SecretGet]) or a built-in (certificates-reader, crypto-user, kms-plugin, secrets-reader)"),
        ("profiles:\n  a:\n",
         "rules/identities.yaml:2: profiles.a: an empty profile would make every operation an alert: list the operations expected (e.g. [SecretGet]) or a built-in (certificates-reader, crypto-user, kms-plugin, secrets-reader)"),
        ("profiles:\n  Role-A: [Decrypt]\n  role-a: [Encrypt]\n",
         "rules/identities.yaml:3: profiles.role-a: principal 'role-a' already has a profile (line 2): give it one list"),
        ("profiles:\n  a: SecretGet, SecretList\n",
         "rules/identities.yaml:2: profiles.a: 'SecretGet, SecretList' is not an operation or a built-in profile: write an operation as the logs do (SecretGet, GenerateDataKey*), and a list as [SecretGet, SecretList]"),
        ("profiles:\n  a: [SecretGet, \"\"]\n",
         "rules/identities.yaml:2: profiles.a: '' is not an operation or a built-in profile: write an operation as the logs do (SecretGet, GenerateDataKey*), and a list as [SecretGet, SecretList]"),
        ("profiles:\n  a: {SecretGet: true}\n",
         "rules/identities.yaml:2: profiles.a: expected an operation, a built-in profile, or a list of them"),
        ("profiles:\n  \"\": [Decrypt]\n", "rules/identities.yaml:2: profiles: a profile needs the principal it is for"),
        ("profiles: [Decrypt]\n", "rules/identities.yaml:1: profiles: expected a mapping (key: value)"),
        ("namespaces:\n  payments:\n    profiles: [Decrypt]\n",
         "rules/identities.yaml:3: namespaces.payments.profiles: unknown key (expected one of: principals, profile, resources)"),
    ])
    func errors(_ text: String, _ message: String) {
        IdentityTests.expectRefused(text, message)
    }

    @Test("a principal written twice the same way is refused by the YAML reader, with the line of its mapping")
    func sameKeyTwice() {
        let error = #expect(throws: ConfigurationError.self) {
            try IdentityMap.parse("namespaces: {}\nprofiles:\n  a: [Decrypt]\n  a: [Encrypt]\n", file: "ids.yaml")
        }
        #expect(error?.description == "ids.yaml:3: 'a' written more than once in the mapping that starts here: give each key once")
    }
}
