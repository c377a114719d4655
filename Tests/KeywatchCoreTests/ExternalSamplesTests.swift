import Foundation
import Testing
@testable import KeywatchCore

/// Every data file of the shared external samples (copied to `Tests/Fixtures/external-samples`) — records written by AWS, Microsoft, Elastic
/// and Panther, not by us — ingests with zero rejects, with its fields as the notes describe.
@Suite("External samples")
struct ExternalSamplesTests {
    /// The AWS KMS developer guide's CloudTrail examples, one per line, checked against the manifest.
    @Test("AWS KMS developer guide: 60 KMS records, 2 EC2 records skipped, fields per the manifest")
    func kmsDeveloperGuide() throws {
        let bytes = try externalSample("aws-kms-developer-guide/kms-ct-examples.jsonl")
        let whole = decode(bytes)
        #expect(whole.rejects.isEmpty, "\(whole.rejects.map(\.reason))")
        #expect(whole.rows.count == 60)
        #expect(whole.skipped == [.otherEventSource: 2])

        let manifest = try String(decoding: externalSample("aws-kms-developer-guide/kms-ct-examples.manifest.tsv"), as: UTF8.self)
            .split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count == manifest.count)
        let serviceLines: Set<Int> = [13, 14, 17, 48, 53]
        var checked = 0
        for (index, line) in lines.enumerated() {
            let entry = manifest[index]
            let number = index + 1
            guard entry[4] == "kms.amazonaws.com" else { continue }
            let event = try #require(decodeEvent(line), "line \(number)")
            #expect(event.operation == entry[5], "line \(number)")
            #expect(event.errorCode == (entry[6].isEmpty ? nil : entry[6]), "line \(number)")
            #expect(event.outcome == (entry[6].isEmpty ? .success : .failed), "line \(number)")
            #expect(event.eventClass == OperationClassifier.aws(event.operation, serviceEvent: serviceLines.contains(number)), "line \(number)")
            if serviceLines.contains(number) {
                #expect(event.eventClass == .service, "line \(number)")
                #expect(event.principal == "AWS Internal", "line \(number)")
                #expect(event.principalType == .service, "line \(number)")
            } else if number == 28 {
                #expect(event.principal == "arn:aws:iam::111122223333:role/aws:ec2-infrastructure")
                #expect(event.session == "i-81e2f56c")
            } else {
                #expect(event.principal == "arn:aws:iam::111122223333:user/Alice", "line \(number)")
                #expect(event.principalName == "Alice", "line \(number)")
                #expect(event.principalType == .user, "line \(number)")
            }
            #expect(event.tenant == "111122223333", "line \(number)")
            checked += 1
        }
        #expect(checked == 60)

        // Individual records with something particular about them.
        let decrypt = try #require(decodeEvent(lines[8]))  // line 9: Decrypt by Alice
        #expect(decrypt.time.rfc3339 == "2020-07-27T22:58:24.000000Z")
        #expect(decrypt.resource == "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
        #expect(decrypt.objectName == "1234abcd-12ab-34cd-56ef-1234567890ab")
        #expect(decrypt.scope == "111122223333/us-west-2")
        #expect(decrypt.ip == "192.0.2.0")
        let alias = try #require(decodeEvent(lines[3]))  // line 4: CreateAlias, two resources
        #expect(alias.resource == "arn:aws:kms:us-west-2:111122223333:alias/ExampleAlias")
        #expect(alias.resourceType == .alias)
        let ebs = try #require(decodeEvent(lines[23]))  // line 24: keyId alias/aws/ebs, resources has the key
        #expect(ebs.resource == "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
        let random = try #require(decodeEvent(lines[37]))  // line 38: GenerateRandom, no resources
        #expect(random.resource == nil)
        #expect(random.eventClass == .crypto)
        let store = try #require(decodeEvent(lines[1]))  // line 2: ConnectCustomKeyStore
        #expect(store.eventClass == .permission)
        let mrk = try #require(decodeEvent(lines[49]))  // line 50: multi-Region key id
        #expect(mrk.objectName == "mrk-1234abcd12ab34cd56ef1234567890ab")
        #expect(mrk.eventClass == .destroy)
        let replica = try #require(decodeEvent(lines[58]))  // line 59: UpdatePrimaryRegion invoked by KMS for Alice
        #expect(replica.principal == "arn:aws:iam::111122223333:user/Alice")
        #expect(replica.eventClass == .write)
        #expect(replica.resource == "arn:aws:kms:ap-northeast-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab")
        #expect(replica.scope == "111122223333/ap-northeast-1")
    }

    @Test("Panther's KMS test logs: partial records, other time layouts, a failure")
    func panther() throws {
        let bytes = try externalSample("panther-analysis/kms-test-logs.jsonl")
        let batch = decode(bytes)
        #expect(batch.rejects.isEmpty, "\(batch.rejects.map(\.reason))")
        #expect(batch.rows.count == 10)
        let events = batch.events
        #expect(events.map(\.operation) == ["Decrypt", "Decrypt", "DisableKey", "ScheduleKeyDeletion", "Decrypt",
                                            "ScheduleKeyDeletion", "DisableKey", "PutKeyPolicy", "PutKeyPolicy", "Decrypt"])
        #expect(events[0].principal == "arn:aws:iam::123456789012:role/tester")
        #expect(events[0].resource == "arn:aws:kms:us-west-2:123456789012:key/1")
        // Line 2 has no eventID: its key is the digest of its canonical bytes.
        #expect(events[1].key.count == 64)
        #expect(events[1].principal == "arn:aws:iam::123456789012:role/MyAppRole")
        #expect(events[1].ip == "cloudformation.amazonaws.com")
        #expect(events[2].eventClass == .destroy)
        #expect(events[5].resource == "1")  // no resources: the bare keyId
        #expect(events[6].outcome == .failed)
        #expect(events[6].errorCode == "NotFoundException")
        #expect(events[7].time.rfc3339 == "2024-01-01T00:00:00.000000Z")
        #expect(events[8].time.rfc3339 == "2025-03-05T21:19:44.000000Z")
        #expect(events[8].eventClass == .permission)
        #expect(events[8].principal == "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ExampleRole_xxxxxxxxxxxxxxxx")
        #expect(events[9].time.rfc3339 == "2021-10-19T00:56:05.000000Z")
    }

    @Test("Panther's PutKeyPolicy by an assumed role named only by userName: that role, not an unknown caller")
    func pantherRoleByUserName() throws {
        let line = String(decoding: try externalSample("panther-analysis/kms-test-logs.jsonl"), as: UTF8.self).split(separator: "\n")[7]
        #expect(line.contains(#""userIdentity":{"type":"AssumedRole","userName":"TestRole"}"#))
        let event = try #require(decodeEvent(String(line)))
        #expect(event.operation == "PutKeyPolicy")
        #expect(event.principal == "TestRole")
        #expect(event.principalType == .role)
        #expect(event.principalName == "TestRole")
        #expect(event.session == nil)
    }

    @Test("Elastic's AssumeRole by an assumed role: session is the caller's (JohnRole1), new_session the one created (Role2WithTags)")
    func elasticAssumeRole() throws {
        let batch = decode(try externalSample("integrations/test-assume-role-json.log"))
        #expect(batch.rejects.isEmpty, "\(batch.rejects.map(\.reason))")
        #expect(batch.rows.count == 2)
        for event in batch.events {
            #expect(event.source == .awsSTS)
            #expect(event.operation == "AssumeRole")
            #expect(event.principal == "arn:aws:iam::111111111111:role/JohnRole1")
            #expect(event.principalType == .role)
            #expect(event.session == "JohnRole1")
            #expect(event.newSession == "Role2WithTags")
            #expect(event.resource == "arn:aws:iam::111111111111:role/JohnRole2")
            #expect(event.value(of: .session) == .string("JohnRole1"))
            #expect(event.value(of: .newSession) == .string("Role2WithTags"))
            #expect(event.text(of: "new_session") == "Role2WithTags")
        }

        // Called by EC2 for an instance profile: no caller session, the instance's session created.
        let service = try #require(decodeEvent(String(decoding: try externalSample("integrations/test-assume-role-aws-service-json.log"), as: UTF8.self)))
        #expect(service.principal == "ec2.amazonaws.com")
        #expect(service.principalType == .service)
        #expect(service.session == nil)
        #expect(service.newSession == "i-0123456789abcdef0")
    }

    @Test("Elastic's real Grimoire detonations: DisableKey and ScheduleKeyDeletion")
    func elastic() throws {
        let disable = decode(try externalSample("integrations/test-disable-key-json.log"))
        #expect(disable.rejects.isEmpty)
        let disabled = try #require(disable.events.first)
        #expect(disabled.operation == "DisableKey")
        #expect(disabled.eventClass == .destroy)
        #expect(disabled.outcome == .success)
        #expect(disabled.time.rfc3339 == "2024-09-11T09:29:16.000000Z")
        #expect(disabled.principal == "arn:aws:iam::1010101010101:user/testcloudtrail@elastic.co")
        #expect(disabled.principalName == "testcloudtrail@elastic.co")
        #expect(disabled.resource == "arn:aws:kms:us-east-1:1010101010101:key/65479477-67d5-4b84-b71c-d540f7a8f31f")
        #expect(disabled.scope == "1010101010101/us-east-1")
        #expect(disabled.ip == "216.160.83.56")

        let schedule = decode(try externalSample("integrations/test-schedule-key-deletion-json.log"))
        #expect(schedule.rejects.isEmpty)
        let scheduled = try #require(schedule.events.first)
        #expect(scheduled.operation == "ScheduleKeyDeletion")
        #expect(scheduled.eventClass == .destroy)
        #expect(scheduled.key == "bf8d383c-5843-48ec-97a2-3c2af7418543")
        #expect(scheduled.objectName == "27d7cd14-7557-4509-a438-15fbf1e8db11")
        #expect(scheduled.tenant == "000000000")
    }

    @Test("Microsoft's Key Vault blob samples: both layouts, the same records, the same keys")
    func azureDocs() throws {
        let lines = decode(try externalSample("azure-docs/json-lines-format/PT1H.json"))
        let records = decode(try externalSample("azure-docs/records-array-format/PT1H.json"))
        #expect(lines.rejects.isEmpty && records.rejects.isEmpty)
        #expect(lines.rows.count == 2 && records.rows.count == 2)
        #expect(lines.events.map(\.key) == records.events.map(\.key))
        let first = lines.event(at: 0)
        #expect(first.source == .azureKeyVault)
        #expect(first.operation == "VaultGet")
        #expect(first.eventClass == .list)
        #expect(first.outcome == .success)
        #expect(first.status == 200)
        #expect(first.time.rfc3339 == "2016-01-05T01:32:01.269122Z")
        #expect(first.principal == "d9da5048-2737-4770-bd64-XXXXXXXXXXXX")
        #expect(first.principalName == "live.com#username@outlook.com")
        #expect(first.principalType == .user)
        #expect(first.appID == "1950a258-227b-4e31-a9cf-XXXXXXXXXXXX")
        #expect(first.scope == "contosokeyvault")
        #expect(first.resource == "https://contosokeyvault.vault.azure.net/")
        #expect(first.resourceType == .vault)
        #expect(first.tenant == nil, "no tenant claim in the record")
        #expect(first.account == "361da5d4-a47a-4c79-afdd-xxxxxxxxxxxx")
        #expect(first.ip == "104.40.82.76")
        #expect(first.userAgent == "azure-resource-manager/2.0")
        #expect(first.requestID == nil)
        #expect(lines.event(at: 1).time.rfc3339 == "2016-01-05T01:33:56.526452Z")
    }
}
