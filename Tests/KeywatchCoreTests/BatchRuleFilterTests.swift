import Foundation
import Testing
@testable import KeywatchCore

/// The engine decides `where` and `unless` with ``BatchRuleFilter`` — memos per string of the
/// batch, fields read at byte offsets — while ``Rule/counts(_:raw:)`` reads an ``Event`` plainly.
/// The plain one is the oracle: for every rule and event, both must agree.
@Suite("Batch rule filter")
struct BatchRuleFilterTests {
    /// Every default rule, and conditions of every modifier on string-table, enumerated, numeric,
    /// key and raw fields, with `unless`.
    private static func rules() throws -> [Rule] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var rules: [Rule] = []
        let directory = root.appendingPathComponent("rules")
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where name.hasSuffix(".yaml") {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            guard text.contains("rules:") else { continue }
            rules += try RuleFile.parse(text, file: name)
        }
        #expect(rules.count >= 10)
        let bodies = [
            "operation: [Decrypt, SecretGet]",
            "operation|startswith: Secret\nunless:\n  outcome: success",
            "operation|not|contains: crypt\nclass: [crypto, read]",
            "operation|endswith: Key\nprincipal|exists: true",
            "principal|re: '^arn:aws:(iam|sts)::[0-9]+:'\nerror_code|exists: false",
            "ip|cidr: [10.0.0.0/8, 203.0.113.0/24]",
            "status|gte: 400",
            "status|lt: 300\nsource: azure.keyvault",
            "outcome: [denied, failed]\nreason|exists: true",
            "principal_type|not: [role, service]",
            "resource_type: [key, secret]\nunless:\n  operation: Decrypt\n  outcome: denied",
            "raw.requestParameters.keyId|contains: key/\nregion: us-east-1",
            "raw.properties.clientInfo|exists: true",
            "key|startswith: a",
            "user_agent|all|contains: [aws, sdk]",
            "tenant|not|exists: true\nnamespace|exists: false",
            "ip|network: [10.0.0.0/24, 203.0.113.0/24]",
            "ip|network|cidr: 10.0.0.0/8\nunless:\n  principal|accounts|foreign|exists: true",
            "raw.requestParameters.policy|public: true",
            "raw.requestParameters.policy|principals|contains: '*'",
            "raw.requestParameters.granteePrincipal|accounts|exists: true",
        ]
        for (position, body) in bodies.enumerated() {
            // `where` entries indented under it; an `unless:` line and its own entries as written.
            let lines = body.split(separator: "\n").map { $0.hasPrefix("unless:") || $0.hasPrefix("  ") ? String($0) : "  " + $0 }
            rules.append(rule("id: filter-\(position)\ntype: match\nwhere:\n" + lines.joined(separator: "\n")))
        }
        return rules
    }

    /// Events of both clouds: the shared samples, and variants made to hit each condition.
    private static func batch() throws -> EventBatch {
        var records: [String] = []
        for path in ["aws-kms-developer-guide/kms-ct-examples.jsonl", "panther-analysis/kms-test-logs.jsonl",
                     "azure-docs/json-lines-format/PT1H.json"] {
            records.append(String(decoding: try externalSample(path), as: UTF8.self))
        }
        for (position, name) in ["Decrypt", "Encrypt", "GenerateDataKey", "ScheduleKeyDeletion", "PutKeyPolicy"].enumerated() {
            records.append(kmsCall(at: at(position * 60), by: "role-\(position % 2)", name, denied: position % 2 == 0))
        }
        records.append(keyVault(["operationName": "SecretGet", "resultSignature": "Forbidden", "httpStatusCode": 403,
                                 "callerIpAddress": "10.1.2.3"]))
        records.append(keyVault(["operationName": "KeyCreate", "callerIpAddress": "203.0.113.9"], removing: ["tenantId"]))
        return decode(records.joined(separator: "\n"))
    }

    @Test("agrees with Rule.counts on every rule and event")
    func agreesWithThePlainFilter() throws {
        let rules = try Self.rules()
        let batch = try Self.batch()
        #expect(batch.rows.count > 50)
        let fields = BatchFields(batch: batch)
        let parser = JSONParser()
        var counted = 0
        for rule in rules {
            let filter = BatchRuleFilter(rule: rule, fields: fields, parser: parser)
            batch.rows.withUnsafeBufferPointer { rows in
                for position in rows.indices {
                    var raw: RawFields?
                    let fast = filter.counts(rows.baseAddress! + position, raw: &raw)
                    let event = batch.event(at: position)
                    let plain = Self.withRecord(of: rows[position], in: batch) { rule.counts(event, raw: $0) }
                    #expect(fast == plain, "\(rule.id), event \(position): \(batch.event(at: position).operation)")
                    if plain { counted += 1 }
                }
            }
        }
        // The comparison means something only if rules count some events and not others.
        #expect(counted > rules.count && counted < rules.count * batch.rows.count / 2)
    }

    /// `body` on the row's raw record, parsed (nil when there is none).
    private static func withRecord(of row: EventRow, in batch: EventBatch, _ body: (JSONValue?) -> Bool) -> Bool {
        let bytes = Array(batch.rawBytes(of: row))
        var result: Bool?
        bytes.withUnsafeBytes { buffer in
            try? JSONParser().parse(buffer) { result = body($0.root) }
        }
        return result ?? body(nil)
    }
}
