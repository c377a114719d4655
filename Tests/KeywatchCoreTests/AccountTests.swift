import Foundation
import Testing
@testable import KeywatchCore

/// `account`: the log pipeline an event came through, one value per pipeline whatever each record
/// carries — what a silence rule groups by.
@Suite("Pipeline account")
struct AccountTests {
    static let subscription = "6f2a9c1b-3d4e-4f50-8a61-7b8c9d0e1f2a"

    @Test("a Key Vault record's account is its vault's subscription, lower case, with a tenant claim or without, whatever resourceId's case")
    func keyVaultSubscription() throws {
        let claimed = try #require(decodeEvent(keyVault(identity: ["claim": [
            "oid": "8d116ece-1738-47d9-bd9c-172411e20b8f", "idtyp": "app",
            "http://schemas.microsoft.com/identity/claims/tenantid": "72f988bf-86f1-41af-91ab-2d7cd011db47"]])))
        // The bearer-token challenge: no identity, so no tenant.
        let challenge = try #require(decodeEvent(keyVault(["operationName": "Authentication", "resultSignature": "Unauthorized"],
                                                          properties: ["httpStatusCode": 401], identity: [:])))
        let lowerCase = try #require(decodeEvent(keyVault([
            "resourceId": "/subscriptions/6f2a9c1b-3d4e-4f50-8a61-7b8c9d0e1f2a/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-payments-prod"])))
        #expect(claimed.tenant == "72f988bf-86f1-41af-91ab-2d7cd011db47")
        #expect(challenge.tenant == nil, "a record without a tenant claim names no tenant, rather than another kind of value")
        for event in [claimed, challenge, lowerCase] {
            #expect(event.account == Self.subscription)
            #expect(event.value(of: .account) == .string(Self.subscription))
            #expect(event.text(of: "account") == Self.subscription)
        }
        // A record without a resourceId names no pipeline.
        let bare = try #require(decodeEvent(keyVault(removing: ["resourceId"])))
        #expect(bare.account == nil)
    }

    @Test("a CloudTrail record's account is the trail's recipient account, else the caller's; KMS, STS and EKS Auth alike")
    func cloudTrailAccount() throws {
        let kms = try #require(decodeEvent(cloudTrail()))
        let sts = try #require(decodeEvent(cloudTrail([
            "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
            "requestParameters": ["roleArn": "arn:aws:iam::111122223333:role/app-role", "roleSessionName": "s1"],
            "resources": [["type": "AWS::IAM::Role", "ARN": "arn:aws:iam::111122223333:role/app-role"]]],
            identity: ["type": "WebIdentityUser", "userName": "system:serviceaccount:shop:cart"])))
        let eks = try #require(decodeEvent(cloudTrail([
            "eventSource": "eks-auth.amazonaws.com", "eventName": "AssumeRoleForPodIdentity", "requestParameters": [:]])))
        #expect([kms.source, sts.source, eks.source] == [.awsKMS, .awsSTS, .awsEKSAuth])
        #expect([kms.account, sts.account, eks.account] == ["111122223333", "111122223333", "111122223333"])
        // A call from another account lands in the trail of the account it was made to.
        let crossAccount = try #require(decodeEvent(kmsCall(at: at(0), account: "444455556666")))
        #expect(crossAccount.account == "111122223333")
        // Without recipientAccountId (a partial record), the caller's account.
        var record = try #require(try JSONSerialization.jsonObject(with: Data(cloudTrail().utf8)) as? [String: Any])
        record["recipientAccountId"] = nil
        let partial = try #require(decodeEvent(String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)))
        #expect(partial.account == "111122223333")
    }

    @Test("an EventBridge event of KMS: the account of its envelope")
    func eventBridge() throws {
        let native = #"{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"KMS CMK Rotation","source":"aws.kms","account":"111122223333","time":"2026-11-20T09:00:00Z","region":"us-east-1","resources":["arn:aws:kms:us-east-1:111122223333:key/6513270e-269e-4d37-b2a7-4de452e6b438"],"detail":{"key-id":"6513270e-269e-4d37-b2a7-4de452e6b438"}}"#
        let event = try #require(decodeEvent(native))
        #expect(event.account == "111122223333")
    }

    @Test("the public samples: AWS's, Panther's and Elastic's CloudTrail records and Microsoft's Key Vault blobs")
    func externalSamples() throws {
        func accounts(_ path: String) throws -> [String?] { decode(try externalSample(path)).events.map(\.account) }
        let guide = try accounts("aws-kms-developer-guide/kms-ct-examples.jsonl")
        #expect(guide.count == 60 && guide.allSatisfy { $0 == "111122223333" })
        // Panther's line 8 names no account at all; the others are delivered to 123456789012.
        #expect(try accounts("panther-analysis/kms-test-logs.jsonl") == Array(repeating: "123456789012", count: 7) + [nil, "123456789012", "123456789012"])
        #expect(try accounts("integrations/test-assume-role-json.log") == ["111111111111", "111111111111"])
        #expect(try accounts("integrations/test-assume-role-aws-service-json.log") == ["111111111111"])
        #expect(try accounts("integrations/test-disable-key-json.log") == ["1010101010101"])
        #expect(try accounts("integrations/test-schedule-key-deletion-json.log") == ["000000000"])
        for layout in ["json-lines-format", "records-array-format"] {
            #expect(try accounts("azure-docs/\(layout)/PT1H.json") == ["361da5d4-a47a-4c79-afdd-xxxxxxxxxxxx", "361da5d4-a47a-4c79-afdd-xxxxxxxxxxxx"])
        }
    }

    @Test("rules read account: a condition on it, and a group by it across event sources")
    func rulesReadIt() {
        let byAccount = rule("""
            id: by-account
            type: threshold
            where: {account: "111122223333"}
            group_by: [account]
            window: 10m
            threshold: 3
            """)
        let sts = cloudTrail([
            "eventTime": at(2), "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
            "requestParameters": ["roleArn": "arn:aws:iam::111122223333:role/app-role", "roleSessionName": "s1"]],
            identity: ["type": "WebIdentityUser", "userName": "system:serviceaccount:shop:cart"])
        let alerts = detect([byAccount], [[kmsCall(at: at(0)), kmsCall(at: at(1)), sts, keyVault(["time": at(3)])]])
        #expect(alerts.count == 1)
        #expect(alerts.first?.groupValue("account") == "111122223333")
        #expect(alerts.first?.count == 3)
    }

    @Test("event JSON and query output carry account after tenant")
    func output() throws {
        let event = try #require(decodeEvent(keyVault()))
        let names = Event.fieldNames
        #expect(names.firstIndex(of: "account") == names.firstIndex(of: "tenant").map { $0 + 1 })
        #expect(event.json().contains(#""account":"\#(Self.subscription)""#))
    }
}
