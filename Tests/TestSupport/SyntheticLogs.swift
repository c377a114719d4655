import Foundation

/// Key Vault records made up for tests: each number gives a distinct record (its own time and
/// correlation id), so counting stored events counts records.
public enum SyntheticLogs {
    /// Record `n` as one JSON line, without the newline.
    public static func keyVaultLine(_ n: Int, operation: String = "SecretGet", status: Int = 200) -> String {
        let seconds = n / 1000, millis = n % 1000
        let time = String(format: "2026-11-20T%02d:%02d:%02d.%03d0000Z", 10 + seconds / 3600 % 10, seconds / 60 % 60, seconds % 60, millis)
        return """
            {"time":"\(time)","category":"AuditEvent","operationName":"\(operation)",\
            "resourceId":"/SUBSCRIPTIONS/6F2A9C1B-3D4E-4F50-8A61-7B8C9D0E1F2A/RESOURCEGROUPS/RG-TEST/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-TEST",\
            "resultType":"Success","resultSignature":"OK","callerIpAddress":"10.0.0.\(n % 250)",\
            "correlationId":"00000000-0000-4000-8000-\(String(format: "%012d", n))",\
            "identity":{"claim":{"oid":"11111111-2222-4333-8444-555555555555","appid":"a1","idtyp":"app"}},\
            "properties":{"id":"https://kv-test.vault.azure.net/secrets/s\(n % 7)","httpStatusCode":\(status)}}
            """
    }

    /// Records `range` as JSON Lines, each ending with a newline.
    public static func keyVaultLines(_ range: Range<Int>) -> String {
        range.map { keyVaultLine($0) + "\n" }.joined()
    }

    /// A CloudTrail log file of KMS `Decrypt` calls `range`, each its own event id and second:
    /// `{"Records":[…]}` as CloudTrail writes it to S3.
    public static func cloudTrailFile(_ range: Range<Int>) -> String {
        let records = range.map { n in
            let time = String(format: "2026-11-20T%02d:%02d:%02dZ", 10 + n / 3600 % 10, n / 60 % 60, n % 60)
            return """
                {"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROAAPP:s","arn":"arn:aws:sts::111122223333:assumed-role/app/s",\
                "accountId":"111122223333"},"eventTime":"\(time)","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1",\
                "sourceIPAddress":"10.0.0.\(n % 250)","userAgent":"test","requestParameters":{"keyId":"arn:aws:kms:us-east-1:111122223333:key/k\(n % 5)"},\
                "responseElements":null,"requestID":"r\(n)","eventID":"00000000-0000-4000-8000-\(String(format: "%012d", n))","readOnly":true,\
                "eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333"}
                """
        }
        return "{\"Records\":[" + records.joined(separator: ",") + "]}"
    }
}
