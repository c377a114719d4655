import Foundation
import Testing
@testable import KeywatchCore

@Suite("Key Vault normalization")
struct KeyVaultNormalizationTests {
    @Test("a successful read: every field")
    func fields() throws {
        let event = try #require(decodeEvent(keyVault()))
        #expect(event.source == .azureKeyVault)
        #expect(event.time.rfc3339 == "2026-11-20T09:00:00.123456Z")
        #expect(event.operation == "SecretGet")
        #expect(event.eventClass == .read)
        #expect(event.outcome == .success)
        #expect(event.status == 200)
        #expect(event.reason == nil)
        #expect(event.principal == "8d116ece-1738-47d9-bd9c-172411e20b8f")
        #expect(event.principalType == .app)
        #expect(event.appID == "5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f")
        #expect(event.scope == "kv-payments-prod")
        #expect(event.resource == "https://kv-payments-prod.vault.azure.net/secrets/db-password")
        #expect(event.resourceType == .secret)
        #expect(event.objectName == "db-password")
        #expect(event.tenant == nil, "no tenant claim: no tenant (the subscription is the account)")
        #expect(event.account == "6f2a9c1b-3d4e-4f50-8a61-7b8c9d0e1f2a")
        #expect(event.ip == "10.240.0.17")
        #expect(event.userAgent == "azsdk-net-Security.KeyVault.Secrets/4.6.0")
        #expect(event.requestID == "c0ffee00-0000-4000-8000-000000000001")
        #expect(event.key.count == 64)
    }

    @Test("outcome comes from httpStatusCode, never resultType")
    func outcomeFromStatus() throws {
        // resultType says Success on a 403: the status decides.
        let denied = try #require(decodeEvent(keyVault(["resultType": "Success", "resultSignature": "Forbidden"], properties: ["httpStatusCode": 403])))
        #expect(denied.outcome == .denied)
        #expect(denied.status == 403)
        let notFound = try #require(decodeEvent(keyVault(["resultSignature": "Not Found"], properties: ["httpStatusCode": 404])))
        #expect(notFound.outcome == .failed)
        let conflict = try #require(decodeEvent(keyVault(properties: ["httpStatusCode": "409"])))
        #expect(conflict.outcome == .failed)
        let serverError = try #require(decodeEvent(keyVault(properties: ["httpStatusCode": 503])))
        #expect(serverError.outcome == .failed)
        let accepted = try #require(decodeEvent(keyVault(["resultSignature": "Accepted"], properties: ["httpStatusCode": 202])))
        #expect(accepted.outcome == .success)
        // A status contradicting the signature: the status wins.
        let contradiction = try #require(decodeEvent(keyVault(["resultSignature": "Forbidden"], properties: ["httpStatusCode": 200])))
        #expect(contradiction.outcome == .success)
    }

    @Test("without a status, the reason phrase decides")
    func outcomeFromSignature() throws {
        let record = keyVault(["resultSignature": "Forbidden"], properties: ["httpStatusCode": NSNullValue()])
        #expect(try #require(decodeEvent(record)).outcome == .denied)
        let missing = keyVault(["resultSignature": ""], properties: ["httpStatusCode": NSNullValue()])
        #expect(try #require(decodeEvent(missing)).outcome == .failed)
    }

    @Test("the 401 bearer-token challenge is a challenge, not a denial")
    func challenge() throws {
        let challenge = try #require(decodeEvent(keyVault(
            ["operationName": "Authentication", "resultSignature": "Unauthorized", "identity": [String: Any]()],
            properties: ["httpStatusCode": 401])))
        #expect(challenge.outcome == .challenge)
        #expect(challenge.eventClass == .auth)
        #expect(challenge.principal == nil)
        #expect(challenge.principalType == .anonymous)
        #expect(challenge.reason == nil)
        // A 401 with an identity, or on another operation, is a denial.
        let withIdentity = try #require(decodeEvent(keyVault(["operationName": "Authentication"], properties: ["httpStatusCode": 401])))
        #expect(withIdentity.outcome == .denied)
        let otherOperation = try #require(decodeEvent(keyVault(["identity": [String: Any]()], properties: ["httpStatusCode": 401])))
        #expect(otherOperation.outcome == .denied)
    }

    @Test("denial reasons: RBAC, access policy, network, unknown")
    func denialReasons() throws {
        let rbac = try #require(decodeEvent(keyVault(properties: ["httpStatusCode": 403, "isRbacAuthorized": false])))
        #expect(rbac.reason == .rbac)
        let policy = try #require(decodeEvent(keyVault(properties: ["httpStatusCode": 403, "isAccessPolicyMatch": false, "isRbacAuthorized": NSNullValue()])))
        #expect(policy.reason == .accessPolicy)
        let network = try #require(decodeEvent(keyVault(
            ["resultDescription": "Client address is not authorized and caller is not a trusted service.\r\nClient address: 203.0.113.9"],
            properties: ["httpStatusCode": 403])))
        #expect(network.reason == .network)
        let flaggedNetwork = try #require(decodeEvent(keyVault(properties: ["httpStatusCode": 403, "isAddressAuthorized": false])))
        #expect(flaggedNetwork.reason == .network)
        let byText = try #require(decodeEvent(keyVault(
            ["resultDescription": "The user, group or application 'appid=x;oid=y' does not have secrets get permission on key vault 'kv;location=westeurope'."],
            properties: ["httpStatusCode": 403, "isRbacAuthorized": NSNullValue()])))
        #expect(byText.reason == .accessPolicy)
        let unknown = try #require(decodeEvent(keyVault(properties: ["httpStatusCode": 403, "isRbacAuthorized": NSNullValue()])))
        #expect(unknown.reason == .unknown)
    }

    @Test("principal: oid, else the long objectidentifier claim, else appid; users by their UPN")
    func principals() throws {
        let longClaims = try #require(decodeEvent(keyVault(identity: ["claim": [
            "http://schemas.microsoft.com/identity/claims/objectidentifier": "d9da5048-2737-4770-bd64-000000000000",
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "live.com#username@outlook.com",
            "appid": "1950a258-227b-4e31-a9cf-000000000000"]])))
        #expect(longClaims.principal == "d9da5048-2737-4770-bd64-000000000000")
        #expect(longClaims.principalName == "live.com#username@outlook.com")
        #expect(longClaims.principalType == .user)
        let appOnly = try #require(decodeEvent(keyVault(identity: ["claim": ["appid": "1950a258-227b-4e31-a9cf-000000000000"]])))
        #expect(appOnly.principal == "1950a258-227b-4e31-a9cf-000000000000")
        #expect(appOnly.principalType == .app)
        let user = try #require(decodeEvent(keyVault(identity: ["claim": [
            "oid": "2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d", "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "scp": "user_impersonation", "upn": "analyst@contoso.example", "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47"]])))
        #expect(user.principalType == .user)
        #expect(user.principalName == "analyst@contoso.example")
        #expect(user.tenant == "72f988bf-86f1-41af-91ab-2d7cd011db47")
    }

    @Test("resources: host lower case, no version, deleted collections folded, vaults and ARM URIs")
    func resources() throws {
        let deleted = try #require(decodeEvent(keyVault(["operationName": "KeyPurge"], properties: [
            "id": "https://KV-PAYMENTS-PROD.vault.azure.net/deletedkeys/old-signing-key"])))
        #expect(deleted.resource == "https://kv-payments-prod.vault.azure.net/keys/old-signing-key")
        #expect(deleted.resourceType == .key)
        #expect(deleted.eventClass == .destroy)
        let certificate = try #require(decodeEvent(keyVault(["operationName": "CertificatePendingGet"], properties: [
            "id": "https://kv.vault.azure.net/certificates/tls/pending"])))
        #expect(certificate.resource == "https://kv.vault.azure.net/certificates/tls")
        #expect(certificate.resourceType == .certificate)
        let list = try #require(decodeEvent(keyVault(["operationName": "SecretList"], properties: [
            "id": NSNullValue(), "requestUri": "https://kv-payments-prod.vault.azure.net/secrets?api-version=7.4"])))
        #expect(list.resource == "https://kv-payments-prod.vault.azure.net/")
        #expect(list.resourceType == .vault)
        #expect(list.eventClass == .list)
        let arm = try #require(decodeEvent(keyVault(["operationName": "VaultPatch"], properties: [
            "id": NSNullValue(),
            "requestUri": "https://management.azure.com/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-payments-prod?api-version=2023-07-01"])))
        #expect(arm.resource == "https://kv-payments-prod.vault.azure.net/")
        #expect(arm.resourceType == .vault)
        #expect(arm.eventClass == .permission)
    }

    @Test("other categories are skipped; records without an operation or time are rejected")
    func skipsAndRejects() {
        #expect(decode(keyVault(["category": "AzurePolicyEvaluationDetails"])).skipped == [.otherCategory: 1])
        let noTime = decode(keyVault(removing: ["time"]))
        #expect(noTime.rejects.map(\.reason) == ["Key Vault record without a time"])
        let badTime = decode(keyVault(["time": "yesterday"]))
        #expect(badTime.rejects.map(\.reason) == ["Key Vault time is not a timestamp: \"yesterday\""])
    }

    @Test("the same record pretty-printed or not has the same key")
    func canonicalKey() throws {
        let compact = try #require(decodeEvent(#"{"time":"2026-11-20T09:00:00Z","operationName":"VaultGet","properties":{"httpStatusCode":200,"x":"a b"}}"#))
        let pretty = try #require(decodeEvent("{\n  \"time\": \"2026-11-20T09:00:00Z\",\n  \"operationName\": \"VaultGet\",\n  \"properties\": {\"httpStatusCode\": 200, \"x\": \"a b\"}\n}"))
        let different = try #require(decodeEvent(#"{"time":"2026-11-20T09:00:00Z","operationName":"VaultGet","properties":{"httpStatusCode":200,"x":"ab"}}"#))
        #expect(compact.key == pretty.key)
        #expect(compact.key != different.key)
    }
}

/// `NSNull` for JSON null in the fixture builders.
func NSNullValue() -> Any { NSNull() }

@Suite("CloudTrail normalization")
struct CloudTrailNormalizationTests {
    @Test("an assumed role's call: every field")
    func fields() throws {
        let event = try #require(decodeEvent(cloudTrail()))
        #expect(event.source == .awsKMS)
        #expect(event.time.rfc3339 == "2026-11-20T09:00:00.000000Z")
        #expect(event.operation == "Decrypt")
        #expect(event.eventClass == .crypto)
        #expect(event.outcome == .success)
        #expect(event.errorCode == nil)
        #expect(event.principal == "arn:aws:iam::111122223333:role/app-role")
        #expect(event.principalType == .role)
        #expect(event.principalName == "app-role")
        #expect(event.session == "app-session")
        #expect(event.tenant == "111122223333")
        #expect(event.scope == "111122223333/us-east-1")
        #expect(event.resource == "arn:aws:kms:us-east-1:111122223333:key/6513270e-269e-4d37-b2a7-4de452e6b438")
        #expect(event.resourceType == .key)
        #expect(event.objectName == "6513270e-269e-4d37-b2a7-4de452e6b438")
        #expect(event.ip == "10.0.0.1")
        #expect(event.region == "us-east-1")
        #expect(event.requestID == "11111111-2222-3333-4444-555555555555")
    }

    @Test("AccessDenied, AccessDeniedException and *Unauthorized* are denials; other errors failures")
    func outcomes() throws {
        for code in ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedAccess"] {
            #expect(try #require(decodeEvent(cloudTrail(["errorCode": code]))).outcome == .denied, "\(code)")
        }
        for code in ["KMSInvalidStateException", "NotFoundException", "ThrottlingException", "InvalidCiphertextException"] {
            let failed = try #require(decodeEvent(cloudTrail(["errorCode": code])))
            #expect(failed.outcome == .failed, "\(code)")
            #expect(failed.errorCode == code)
            #expect(failed.reason == nil)
        }
    }

    @Test("denial reasons from the error message", arguments: [
        ("because no identity-based policy allows the kms:Decrypt action", DenialReason.identityPolicy),
        ("because no resource-based policy allows the kms:Decrypt action", .resourcePolicy),
        ("because no session policy allows the kms:Decrypt action", .sessionPolicy),
        ("with an explicit deny in a service control policy", .scp),
        ("with an explicit deny in a resource control policy", .scp),
        ("with an explicit deny in a resource-based policy", .explicitDeny),
        ("with an explicit deny in an identity-based policy", .explicitDeny),
        ("because no permissions boundary allows the kms:Decrypt action", .identityPolicy),
        ("An unknown error occurred", .unknown),
    ])
    func denialReasons(_ message: String, _ reason: DenialReason) throws {
        let denied = try #require(decodeEvent(cloudTrail(["errorCode": "AccessDenied",
            "errorMessage": "User: arn:aws:sts::111122223333:assumed-role/app-role/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/k \(message)"])))
        #expect(denied.reason == reason)
    }

    @Test("principal rules: issuer, user ARN, assumed role without context, root, web identity, service, account")
    func principals() throws {
        let user = try #require(decodeEvent(cloudTrail(identity: ["type": "IAMUser", "principalId": "AIDA1", "arn": "arn:aws:iam::111122223333:user/Alice",
                                                            "accountId": "111122223333", "userName": "Alice"])))
        #expect(user.principal == "arn:aws:iam::111122223333:user/Alice")
        #expect(user.principalType == .user)
        #expect(user.principalName == "Alice")
        #expect(user.session == nil)
        let bareRole = try #require(decodeEvent(cloudTrail(identity: ["type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/MyAppRole/i-0abc"])))
        #expect(bareRole.principal == "arn:aws:iam::123456789012:role/MyAppRole")
        #expect(bareRole.principalName == "MyAppRole")
        let root = try #require(decodeEvent(cloudTrail(identity: ["type": "Root", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"])))
        #expect(root.principalType == .root)
        #expect(root.principalName == "root")
        let web = try #require(decodeEvent(cloudTrail(["eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
            "requestParameters": ["roleArn": "arn:aws:iam::111122223333:role/payments-irsa", "roleSessionName": "1699456147945229070"],
            "resources": [["accountId": "111122223333", "type": "AWS::IAM::Role", "ARN": "arn:aws:iam::111122223333:role/payments-irsa"]]],
            identity: ["type": "WebIdentityUser", "userName": "system:serviceaccount:payments:payments-api",
                       "principalId": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X:sts.amazonaws.com:system:serviceaccount:payments:payments-api"])))
        #expect(web.source == .awsSTS)
        #expect(web.eventClass == .auth)
        #expect(web.principal == "system:serviceaccount:payments:payments-api")
        #expect(web.principalType == .app)
        #expect(web.namespace == "payments")
        #expect(web.serviceAccount == "payments-api")
        #expect(web.session == nil, "a web identity has no role session of its own")
        #expect(web.newSession == "1699456147945229070")
        #expect(web.resource == "arn:aws:iam::111122223333:role/payments-irsa")
        let service = try #require(decodeEvent(cloudTrail(["eventName": "RotateKey", "eventType": "AwsServiceEvent"],
                                                     identity: ["accountId": "111122223333", "invokedBy": "AWS Internal"])))
        #expect(service.principal == "AWS Internal")
        #expect(service.principalType == .service)
        #expect(service.eventClass == .service)
        let account = try #require(decodeEvent(cloudTrail(identity: ["type": "AWSAccount", "accountId": "444455556666"])))
        #expect(account.principal == "444455556666")
        #expect(account.principalType == .account)
    }

    @Test("resources: key ARN from resources, alias operations, bare key ids and aliases")
    func resources() throws {
        let alias = try #require(decodeEvent(cloudTrail(["eventName": "CreateAlias", "requestParameters": ["aliasName": "alias/payments/main", "targetKeyId": "6513270e"],
            "resources": [["ARN": "arn:aws:kms:us-east-1:111122223333:key/6513270e"], ["ARN": "arn:aws:kms:us-east-1:111122223333:alias/payments/main"]]])))
        #expect(alias.resource == "arn:aws:kms:us-east-1:111122223333:alias/payments/main")
        #expect(alias.resourceType == .alias)
        #expect(alias.objectName == "alias/payments/main")
        #expect(alias.eventClass == .permission)
        let bare = try #require(decodeEvent(cloudTrail(["requestParameters": ["keyId": "6513270e-269e-4d37-b2a7-4de452e6b438"], "resources": [Any]()])))
        #expect(bare.resource == "6513270e-269e-4d37-b2a7-4de452e6b438")
        #expect(bare.resourceType == .key)
        #expect(bare.scope == "111122223333/us-east-1")
        let aliasName = try #require(decodeEvent(cloudTrail(["requestParameters": ["keyId": "alias/aws/ebs"], "resources": NSNullValue()])))
        #expect(aliasName.resource == "alias/aws/ebs")
        #expect(aliasName.resourceType == .alias)
        let random = try #require(decodeEvent(cloudTrail(["eventName": "GenerateRandom", "requestParameters": ["numberOfBytes": 32], "resources": [Any]()])))
        #expect(random.resource == nil)
        #expect(random.resourceType == .none)
    }

    @Test("classes of docs/events.md", arguments: [
        ("Encrypt", EventClass.crypto), ("GenerateDataKeyPairWithoutPlaintext", .crypto), ("GenerateRandom", .crypto),
        ("GetPublicKey", .read), ("GetParametersForImport", .read),
        ("DescribeKey", .list), ("ListGrants", .list), ("GetKeyPolicy", .list), ("DescribeCustomKeyStores", .list),
        ("CreateKey", .write), ("CancelKeyDeletion", .write), ("UpdatePrimaryRegion", .write),
        ("ScheduleKeyDeletion", .destroy), ("DisableKey", .destroy), ("DeleteImportedKeyMaterial", .destroy), ("DisableKeyRotation", .destroy),
        ("PutKeyPolicy", .permission), ("CreateGrant", .permission), ("RevokeGrant", .permission), ("TagResource", .permission),
        ("UpdateCustomKeyStore", .permission), ("EnableKeyRotation", .config), ("RotateKeyOnDemand", .config),
        ("DeleteKey", .service), ("RotateKey", .service), ("SomethingNew", .other),
    ])
    func awsClasses(_ operation: String, _ expected: EventClass) {
        #expect(OperationClassifier.aws(operation, serviceEvent: false) == expected)
    }

    @Test("Key Vault classes of docs/events.md", arguments: [
        ("KeyUnwrap", EventClass.crypto), ("KeySign", .crypto), ("SecretGet", .read), ("CertificatePendingGet", .read), ("KeyBackup", .read),
        ("VaultGet", .list), ("SecretListVersions", .list), ("KeyGetDeleted", .list), ("CertificatePolicyGet", .list),
        ("CertificateIssuerGet", .list), ("CertificateContactsGet", .list), ("KeyRotationPolicyGet", .list),
        ("SecretSet", .write), ("KeyImport", .write), ("SecretRestore", .write), ("KeyRecover", .write), ("VaultRecover", .write),
        ("SecretPurge", .destroy), ("VaultDelete", .destroy), ("CertificateDelete", .destroy),
        ("VaultPut", .permission), ("VaultPatch", .permission),
        ("KeyRotate", .config), ("KeyRotateIfDue", .config), ("KeyRotationPolicySet", .config), ("CertificatePolicyUpdate", .config),
        ("CertificateIssuerSet", .config), ("CertificateContactsDelete", .config),
        ("Authentication", .auth), ("SecretNearExpiryEventGridNotification", .service),
        ("VaultAccessPolicyChangedEventGridNotification", .service), ("CertificateEnroll", .other),
    ])
    func keyVaultClasses(_ operation: String, _ expected: EventClass) {
        #expect(OperationClassifier.keyVault(operation) == expected)
    }

    @Test("other event sources and other STS calls are skipped; broken records rejected")
    func skipsAndRejects() {
        #expect(decode(cloudTrail(["eventSource": "s3.amazonaws.com"])).skipped == [.otherEventSource: 1])
        #expect(decode(cloudTrail(["eventSource": "sts.amazonaws.com", "eventName": "GetCallerIdentity"])).skipped == [.otherSTSEvent: 1])
        #expect(decode(cloudTrail(["eventTime": "Oct 21, 2024"])).rejects.map(\.reason) == ["CloudTrail eventTime is not a timestamp: \"Oct 21, 2024\""])
        #expect(decode(cloudTrail(["eventName": ""])).rejects.map(\.reason) == ["CloudTrail record without an eventName"])
        #expect(decode("{}").rejects.map(\.reason)
            == ["unrecognized record: neither a CloudTrail event (eventSource) nor a Key Vault AuditEvent (operationName)"])
        #expect(decode("[1]").rejects.map(\.reason) == ["record is not a JSON object (it is a number)"])
    }

    @Test("a record without an eventID gets the SHA-256 of its canonical bytes")
    func keyWithoutEventID() throws {
        let record = cloudTrail().replacingOccurrences(of: #""eventID":""#, with: #""notEventID":""#)
        let first = try #require(decodeEvent(record))
        #expect(first.key.count == 64)
        #expect(try #require(decodeEvent(record)).key == first.key)
    }

    @Test("a key named twice in one batch, once as a key ARN and once as a parameter naming an alias, gets each type's object name")
    func sameResourceDifferentTypesInOneBatch() throws {
        let odd = "arn:aws:kms:us-east-1:111122223333:key/alias/odd"
        let asKey = cloudTrail(["resources": [["type": "AWS::KMS::Key", "ARN": odd]]])
        let asParameter = cloudTrail(["resources": [] as [Any], "requestParameters": ["keyId": odd]])
        let batch = decode(asKey + "\n" + asParameter + "\n" + asKey + "\n")
        let events = batch.events
        try #require(events.count == 3)
        #expect(events.map(\.resource) == [odd, odd, odd])
        #expect(events.map(\.resourceType) == [.key, .alias, .key])
        #expect(events.map(\.objectName) == ["alias/odd", "key/alias/odd", "alias/odd"])
        #expect(events.map(\.scope) == ["111122223333/us-east-1", "111122223333/us-east-1", "111122223333/us-east-1"])
    }
}
