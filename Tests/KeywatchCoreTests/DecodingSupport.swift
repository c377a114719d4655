import Foundation
@testable import KeywatchCore

/// Decodes `bytes` as one input, written `chunk` bytes at a time (0: all at once), through the
/// same path ingest uses (records decoded in place where possible).
func decode(_ bytes: [UInt8], chunk: Int = 0, inflate: NestedInflater? = nil, input: String = "file:test") -> EventBatch {
    let decoder = RecordDecoder(inflate: inflate)
    let stream = InputDecoder(input: input, recordsOffsets: true, decoder: decoder)
    var batch = EventBatch()
    let size = chunk == 0 ? max(bytes.count, 1) : chunk
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + size)
        bytes[start..<end].withUnsafeBytes { stream.framer.write($0) }
        stream.drain(into: &batch)
        start = end
    }
    stream.finish(into: &batch)
    return batch
}

func decode(_ text: String, chunk: Int = 0) -> EventBatch {
    decode(Array(text.utf8), chunk: chunk)
}

/// The single event `text` decodes to (or nil, recording why not).
func decodeEvent(_ text: String) -> Event? {
    let batch = decode(text)
    guard batch.rows.count == 1 else {
        return nil
    }
    return batch.event(at: 0)
}

/// A file of the shared external samples.
func externalSample(_ path: String) throws -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return Array(try Data(contentsOf: root.appendingPathComponent("Tests/Fixtures/external-samples/\(path)")))
}

/// A file of the repository (sample logs, fixtures).
func repositoryFile(_ path: String) throws -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return Array(try Data(contentsOf: root.appendingPathComponent(path)))
}

/// A CloudTrail KMS record with `overrides` merged over a typical Decrypt by an assumed role.
func cloudTrail(_ overrides: [String: Any] = [:], identity: [String: Any]? = nil) -> String {
    var record: [String: Any] = [
        "eventVersion": "1.09",
        "userIdentity": identity ?? [
            "type": "AssumedRole", "principalId": "AROAEXAMPLE:app-session", "accountId": "111122223333",
            "arn": "arn:aws:sts::111122223333:assumed-role/app-role/app-session",
            "sessionContext": ["sessionIssuer": ["type": "Role", "arn": "arn:aws:iam::111122223333:role/app-role", "userName": "app-role"]],
        ],
        "eventTime": "2026-11-20T09:00:00Z", "eventSource": "kms.amazonaws.com", "eventName": "Decrypt",
        "awsRegion": "us-east-1", "sourceIPAddress": "10.0.0.1", "userAgent": "aws-sdk-go-v2/1.32.4",
        "requestParameters": ["keyId": "arn:aws:kms:us-east-1:111122223333:key/6513270e-269e-4d37-b2a7-4de452e6b438"],
        "requestID": "11111111-2222-3333-4444-555555555555", "eventID": UUID().uuidString.lowercased(),
        "resources": [["accountId": "111122223333", "type": "AWS::KMS::Key", "ARN": "arn:aws:kms:us-east-1:111122223333:key/6513270e-269e-4d37-b2a7-4de452e6b438"]],
        "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
    ]
    for (key, value) in overrides { record[key] = value }
    return String(decoding: try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
}

/// A Key Vault AuditEvent with `overrides` merged over a typical SecretGet by a managed identity.
func keyVault(_ overrides: [String: Any] = [:], properties: [String: Any] = [:], identity: [String: Any]? = nil, removing: [String] = []) -> String {
    var props: [String: Any] = [
        "clientInfo": "azsdk-net-Security.KeyVault.Secrets/4.6.0", "httpStatusCode": 200,
        "requestUri": "https://kv-payments-prod.vault.azure.net/secrets/db-password/?api-version=7.4",
        "id": "https://KV-Payments-Prod.vault.azure.net/secrets/db-password/0123456789abcdef0123456789abcdef",
        "isRbacAuthorized": true,
    ]
    for (key, value) in properties { props[key] = value }
    var record: [String: Any] = [
        "time": "2026-11-20T09:00:00.1234567Z", "category": "AuditEvent", "operationName": "SecretGet",
        "resourceId": "/SUBSCRIPTIONS/6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAYMENTS-PROD",
        "resultType": "Success", "resultSignature": "OK", "callerIpAddress": "10.240.0.17", "correlationId": "c0ffee00-0000-4000-8000-000000000001",
        "identity": identity ?? ["claim": ["oid": "8d116ece-1738-47d9-bd9c-172411e20b8f", "appid": "5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "idtyp": "app"]],
        "properties": props,
    ]
    for (key, value) in overrides { record[key] = value }
    for key in removing { record[key] = nil }
    return String(decoding: try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
}
