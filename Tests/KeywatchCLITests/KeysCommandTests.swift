import Foundation
import Testing
import KeywatchTestSupport

/// `keywatch keys` on generated traffic whose truth is known: keys rotated, disabled, configured,
/// used, at times relative to now (an inventory is about today), written as the clouds write
/// their logs and ingested by the real binary.
@Suite("keywatch keys", .serialized)
struct KeysCommandTests {
    static let account = "111122223333"
    static let vault = "kv-keys-test"
    static let day: TimeInterval = 86_400
    static let disabledKey = "0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a41"
    static let cadenceKey = "1c2d3e4f-5061-4b72-8c83-0d9e8f7a6b52"
    static let onDemandKey = "2d3e4f50-6172-4c83-9d94-1e0f9a8b7c63"
    static let sameSecondKey = "3e4f5061-7283-4d94-8ea5-2f1a0b9c8d74"
    static let workloadOID = "8d116ece-1738-47d9-bd9c-172411e20b8f"
    static let adminOID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

    /// A store of the generated traffic.
    struct InventoryStore {
        let directory = TemporaryDirectory()
        let now = Date()
        var db: String { directory.path("k.db") }
        /// The newest Decrypt of the disabled key by checkout-irsa.
        var newestCheckoutUse: Date { now.addingTimeInterval(-2 * KeysCommandTests.day) }

        init() throws {
            try directory.write("logs/cloudtrail.json", Self.cloudTrail(now: now))
            try directory.write("logs/PT1H.json", Self.keyVault(now: now))
            let ingest = try keywatch(["ingest", "--no-detect", "--db", db, directory.path("logs")])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            #expect(ingest.stderr.contains(" 0 rejected"), "\(ingest.stderr)")
        }

        /// `keys --format json` with `arguments`: the objects by resource name.
        func inventory(_ arguments: [String] = []) throws -> [String: [String: Any]] {
            let run = try keywatch(["keys", "--db", db, "--format", "json"] + arguments)
            #expect(run.status == 0, "\(run.stderr)")
            var objects: [String: [String: Any]] = [:]
            for line in run.stdout.split(separator: "\n") {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                objects[object["name"] as? String ?? ""] = object
            }
            return objects
        }

        static func cloudTrail(now: Date) throws -> String {
            func ago(_ days: Double) -> Date { now.addingTimeInterval(-days * KeysCommandTests.day) }
            let disabled = KeysCommandTests.disabledKey, cadence = KeysCommandTests.cadenceKey, onDemand = KeysCommandTests.onDemandKey
            var records: [[String: Any]] = [
                ct(ago(200), "CreateKey", key: disabled, role: "kms-admin"),
                ct(ago(199), "EnableKeyRotation", key: disabled, role: "kms-admin"),
                ct(ago(100), "DisableKeyRotation", key: disabled, role: "kms-admin"),
                // A refused attempt says nothing about the key: rotation stays off.
                ct(ago(10), "EnableKeyRotation", key: disabled, role: "intruder", error: "AccessDenied"),
                ct(ago(3), "Decrypt", key: disabled, role: "intruder", error: "AccessDenied"),
                ct(ago(370), "CreateKey", key: cadence, role: "kms-admin"),
                ct(ago(50), "CreateKey", key: onDemand, role: "kms-admin"),
                // One on-demand rotation, told twice: the call, and KMS's own event a minute later.
                ct(ago(20), "RotateKeyOnDemand", key: onDemand, role: "kms-admin"),
                ct(ago(20).addingTimeInterval(60), "RotateKey", key: onDemand, role: nil, rotationType: "ON_DEMAND"),
                // The same, both in one second: the call still explains the service's event.
                ct(ago(60), "CreateKey", key: KeysCommandTests.sameSecondKey, role: "kms-admin"),
                ct(ago(15), "RotateKeyOnDemand", key: KeysCommandTests.sameSecondKey, role: "kms-admin"),
                ct(ago(15), "RotateKey", key: KeysCommandTests.sameSecondKey, role: nil, rotationType: "ON_DEMAND"),
            ]
            for day in [280.0, 190, 100, 10] {
                records.append(ct(ago(day), "RotateKey", key: cadence, role: nil, rotationType: "AUTOMATIC"))
            }
            for hour in 0..<5 {
                records.append(ct(ago(2).addingTimeInterval(-Double(hour) * 3600), "Decrypt", key: disabled, role: "checkout-irsa"))
            }
            for hour in 0..<2 {
                records.append(ct(ago(30).addingTimeInterval(-Double(hour) * 3600), "Decrypt", key: disabled, role: "payments-irsa"))
            }
            // Use older than the span counts for nothing.
            records.append(ct(ago(150), "Decrypt", key: disabled, role: "old-batch"))
            let data = try JSONSerialization.data(withJSONObject: ["Records": records])
            return String(decoding: data, as: UTF8.self)
        }

        static func keyVault(now: Date) throws -> String {
            func ago(_ days: Double) -> Date { now.addingTimeInterval(-days * KeysCommandTests.day) }
            let admin = KeysCommandTests.adminOID, workload = KeysCommandTests.workloadOID
            var records: [[String: Any]] = [
                kv(ago(800), "KeyCreate", path: "keys/kek-stale", oid: admin),
                kv(ago(400), "KeyRotate", path: "keys/kek-stale/0f1e2d3c4b5a69788796a5b4c3d2e1f0", oid: admin),
                kv(ago(120), "KeyCreate", path: "keys/kek-fresh", oid: admin),
                kv(ago(30), "KeyRotate", path: "keys/kek-fresh/1a2b3c4d5e6f708192a3b4c5d6e7f801", oid: admin),
                kv(ago(29), "KeyRotationPolicySet", path: "keys/kek-fresh/rotationpolicy", oid: admin),
                // A rotation that failed is no rotation.
                kv(ago(1), "KeyRotate", path: "keys/kek-stale", oid: admin, status: 403),
                kv(ago(5), "SecretSet", path: "secrets/db-password", oid: admin),
                kv(ago(40), "SecretSet", path: "secrets/retired-token", oid: admin),
                kv(ago(39), "SecretDelete", path: "secrets/retired-token", oid: admin),
                kv(ago(1), "SecretGet", path: "secrets/evil\u{1B}[31mname\u{1B}[0m", oid: workload),
            ]
            for hour in 0..<3 { records.append(kv(ago(1).addingTimeInterval(-Double(hour) * 3600), "KeyUnwrap", path: "keys/kek-stale", oid: workload)) }
            for hour in 0..<4 { records.append(kv(ago(4).addingTimeInterval(-Double(hour) * 3600), "SecretGet", path: "secrets/db-password", oid: workload)) }
            return try records.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        }

        static func rfc3339(_ date: Date, fraction: String = "") -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            let text = formatter.string(from: date)
            return fraction.isEmpty ? text : String(text.dropLast()) + fraction + "Z"
        }

        /// A CloudTrail record of a KMS call, or of KMS acting by itself when `role` is nil.
        static func ct(_ time: Date, _ name: String, key: String, role: String?, error: String? = nil,
                       rotationType: String? = nil) -> [String: Any] {
            let account = KeysCommandTests.account
            let arn = "arn:aws:kms:us-east-1:\(account):key/\(key)"
            var record: [String: Any] = [
                "eventVersion": "1.09", "eventTime": rfc3339(time), "eventSource": "kms.amazonaws.com", "eventName": name,
                "awsRegion": "us-east-1", "eventID": UUID().uuidString.lowercased(), "recipientAccountId": account,
                "resources": [["accountId": account, "type": "AWS::KMS::Key", "ARN": arn]],
                "eventType": role == nil ? "AwsServiceEvent" : "AwsApiCall",
            ]
            if let role {
                record["userIdentity"] = [
                    "type": "AssumedRole", "principalId": "AROAEXAMPLE:\(role)-session", "accountId": account,
                    "arn": "arn:aws:sts::\(account):assumed-role/\(role)/\(role)-session",
                    "sessionContext": ["sessionIssuer": ["type": "Role", "arn": "arn:aws:iam::\(account):role/\(role)", "userName": role]],
                ]
                record["sourceIPAddress"] = "10.0.0.1"
                record["requestParameters"] = ["keyId": arn]
                record["requestID"] = UUID().uuidString.lowercased()
            } else {
                record["userIdentity"] = ["accountId": account, "invokedBy": "AWS Internal"]
                record["sourceIPAddress"] = "AWS Internal"
                record["serviceEventDetails"] = ["keyId": key, "rotationType": rotationType ?? "AUTOMATIC"]
            }
            if let error {
                record["errorCode"] = error
                record["errorMessage"] = "User is not authorized to perform: kms:\(name) because no identity-based policy allows it"
            }
            return record
        }

        /// A Key Vault AuditEvent record.
        static func kv(_ time: Date, _ operation: String, path: String, oid: String, status: Int = 200) -> [String: Any] {
            let vault = KeysCommandTests.vault
            return [
                "time": rfc3339(time, fraction: ".1234567"), "category": "AuditEvent", "operationName": operation,
                "resourceId": "/SUBSCRIPTIONS/6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A/RESOURCEGROUPS/RG-KEYS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/\(vault.uppercased())",
                "resultType": "Success", "resultSignature": status == 200 ? "OK" : "Forbidden", "callerIpAddress": "10.240.0.17",
                "correlationId": UUID().uuidString.lowercased(),
                "identity": ["claim": ["oid": oid, "appid": "5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "idtyp": "app"]],
                "properties": ["id": "https://\(vault).vault.azure.net/\(path)", "httpStatusCode": status, "isRbacAuthorized": status == 200],
            ]
        }
    }

    @Test("a KMS key whose latest word is DisableKeyRotation stands out as rotation off; a refused EnableKeyRotation changes nothing")
    func rotationDisabledStandsOut() throws {
        let store = try InventoryStore()
        let key = try #require(try store.inventory()[Self.disabledKey])
        #expect(key["rotation"] as? String == "no")
        #expect(key["status"] as? String == "rotation-off")
        #expect((key["rotation_said"] as? [String: Any])?["operation"] as? String == "DisableKeyRotation")
        #expect(key["type"] as? String == "key")
        #expect(key["scope"] as? String == "\(Self.account)/us-east-1")
    }

    @Test("a Key Vault key last rotated 400 days ago is overdue against 365d (the default) and not against 500d; one rotated 30 days ago is not")
    func overdueAgainstThePolicy() throws {
        let store = try InventoryStore()
        let inventory = try store.inventory()
        let stale = try #require(inventory["kek-stale"])
        #expect(stale["status"] as? String == "overdue")
        #expect(stale["overdue"] as? Bool == true)
        #expect(stale["last_version_operation"] as? String == "KeyRotate", "the failed KeyRotate of yesterday is no rotation")
        #expect(abs((stale["age_seconds"] as? Int ?? 0) - 400 * 86_400) < 60)
        #expect(stale["policy_seconds"] as? Int == 365 * 86_400)
        let fresh = try #require(inventory["kek-fresh"])
        #expect(fresh["status"] as? String == "ok")
        #expect(fresh["rotation"] as? String == "configured", "KeyRotationPolicySet")
        #expect(fresh["rotations"] as? Int == 1)
        #expect(try store.inventory(["--rotation", "500d"])["kek-stale"]?["status"] as? String == "ok")
    }

    @Test("--rotation-for holds the resources it matches to their own policy, the first match winning")
    func policyPerPattern() throws {
        let store = try InventoryStore()
        let inventory = try store.inventory(["--rotation-for", "kek-fresh=20d", "--rotation-for", "kek-*=1000d"])
        #expect(inventory["kek-fresh"]?["status"] as? String == "overdue")
        #expect(inventory["kek-fresh"]?["policy_seconds"] as? Int == 20 * 86_400)
        #expect(inventory["kek-stale"]?["status"] as? String == "ok", "matched by kek-*=1000d")
        #expect(inventory["db-password"]?["policy_seconds"] as? Int == 365 * 86_400, "matched by none")
        let bad = try keywatch(["keys", "--db", store.db, "--rotation-for", "kek-fresh"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("PATTERN=DURATION"), "\(bad.stderr)")
    }

    @Test("a secret with a recent SecretSet is not overdue; a deleted one is deleted, not overdue")
    func secrets() throws {
        let store = try InventoryStore()
        let inventory = try store.inventory()
        let secret = try #require(inventory["db-password"])
        #expect(secret["type"] as? String == "secret")
        #expect(secret["status"] as? String == "ok")
        #expect(secret["last_version_operation"] as? String == "SecretSet")
        #expect(secret["uses"] as? Int == 4)
        #expect(secret["scope"] as? String == Self.vault)
        let retired = try #require(inventory["retired-token"])
        #expect(retired["status"] as? String == "deleted")
        #expect((retired["deleted"] as? [String: Any])?["operation"] as? String == "SecretDelete")
        // Read, never set while the logs were kept (800 days): at least that old, so overdue.
        let unset = try #require(inventory.first { $0.key.hasPrefix("evil") }?.value)
        #expect(unset["status"] as? String == "overdue")
        #expect(unset["age_is_lower_bound"] as? Bool == true)
        #expect(abs((unset["age_seconds"] as? Int ?? 0) - 800 * 86_400) < 60)
    }

    @Test("cadence: a key KMS rotated every 90 days reads 90d, with automatic rotation seen; one rotation logged twice counts once")
    func cadence() throws {
        let store = try InventoryStore()
        let inventory = try store.inventory()
        let key = try #require(inventory[Self.cadenceKey])
        #expect(key["rotations"] as? Int == 4, "created, then rotated 4 times")
        #expect(key["cadence_mean_seconds"] as? Int == 90 * 86_400)
        #expect(key["cadence_longest_seconds"] as? Int == 90 * 86_400)
        #expect(key["rotation"] as? String == "yes", "KMS seen rotating it by itself")
        #expect(key["status"] as? String == "ok")
        let onDemand = try #require(inventory[Self.onDemandKey])
        #expect((onDemand["versions"] as? [Any])?.count == 2, "CreateKey and one rotation, though logged twice")
        #expect(onDemand["rotation"] as? String == "unknown", "an on-demand rotation says nothing of automatic rotation")
        let sameSecond = try #require(inventory[Self.sameSecondKey])
        #expect((sameSecond["versions"] as? [Any])?.count == 2 && sameSecond["rotation"] as? String == "unknown",
                "a RotateKey in the same second as its RotateKeyOnDemand is that call's: \(sameSecond)")
        let table = try keywatch(["keys", "--db", store.db])
        let row = try #require(table.stdout.split(separator: "\n").first { $0.contains(Self.cadenceKey) })
        #expect(row.contains(" 90d "), "\(row)")
    }

    @Test("users and last use: the principals that used a key in the span, with counts and the newest use; denied calls and use before the span are not use")
    func usersAndLastUse() throws {
        let store = try InventoryStore()
        let key = try #require(try store.inventory()[Self.disabledKey])
        let users = try #require(key["users"] as? [[String: Any]])
        #expect(users.map { $0["name"] as? String } == ["checkout-irsa", "payments-irsa"])
        #expect(users.map { $0["uses"] as? Int } == [5, 2])
        #expect(key["uses"] as? Int == 7)
        #expect(key["last_use"] as? String == InventoryStore.rfc3339(store.newestCheckoutUse, fraction: ".000000"))
        let wider = try #require(try store.inventory(["--since", "200d"])[Self.disabledKey])
        #expect((wider["users"] as? [Any])?.count == 3, "old-batch's use is 150 days old")
        let stale = try #require(try store.inventory()["kek-stale"])
        #expect((stale["users"] as? [[String: Any]])?.first?["principal"] as? String == Self.workloadOID)
        #expect(stale["uses"] as? Int == 3)
    }

    @Test("table: overdue first and marked, then rotation off; hostile names escaped; csv has its header and a row per resource")
    func tableAndCSV() throws {
        let store = try InventoryStore()
        let table = try keywatch(["keys", "--db", store.db])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("STATUS") == true)
        let statuses = lines.dropFirst().map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(statuses.first == "OVERDUE", "\(table.stdout)")
        let order = ["OVERDUE", "ROTATION", "ok", "deleted"]
        #expect(statuses.map { order.firstIndex(of: $0) ?? 9 } == statuses.map { order.firstIndex(of: $0) ?? 9 }.sorted(), "\(table.stdout)")
        #expect(lines.first { $0.contains("kek-stale") }?.hasPrefix("OVERDUE") == true, "\(table.stdout)")
        // The bar of the policy used: full for the overdue key, about a twelfth for one rotated 30 days ago.
        #expect(lines.first { $0.contains("kek-stale") }?.contains(String(repeating: "█", count: 10)) == true, "\(table.stdout)")
        #expect(lines.first { $0.contains("kek-fresh") }.map { !$0.contains("██") && $0.contains("▉") } == true, "\(table.stdout)")
        #expect(lines.first { $0.contains(Self.disabledKey) }?.hasPrefix("ROTATION OFF") == true, "\(table.stdout)")
        #expect(!table.stdoutBytes.contains(0x1B), "no escape sequence reaches the terminal: \(table.stdout)")
        #expect(table.stdout.contains("evil\\x1b[31mname"), "\(table.stdout)")
        let csv = try keywatch(["keys", "--db", store.db, "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.first?.hasPrefix("status,type,name,resource,source,scope") == true)
        #expect(rows.count == 1 + 9, "\(csv.stdout)")
    }

    @Test("no store: status 2 and a message naming the path")
    func missingStore() throws {
        let directory = TemporaryDirectory()
        let run = try keywatch(["keys", "--db", directory.path("none.db")])
        #expect(run.status == 2)
        #expect(run.stderr.contains("no store at"))
    }
}
