import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
import KeywatchStore
@testable import KeywatchIngest

/// Detection inside ingest, with the default rules and a real store: the sample logs' alerts,
/// a crash between batches, backtests, and quiet on normal traffic.
@Suite("Detection in ingest")
struct DetectionStageTests {
    let samples = repositoryRoot.appendingPathComponent("sample-logs").path
    let defaults = try! RuleDirectory.load(repositoryRoot.appendingPathComponent("rules").path)

    /// Ingests `files` with the default rules, `batchEvents` per batch; `failAfter` batches, the
    /// writer fails as a crash would (that batch rolled back, no final save).
    /// With `overlapping`, detection runs beside the writer, as `keywatch ingest` runs it.
    func ingest(_ files: [String], into db: String, batchEvents: Int = 8192, failAfter: Int? = nil,
                overlapping: Bool = false, saveInterval: TimeInterval = 3600) throws -> (raised: [Alert], failed: Bool) {
        let store = try EventStore(path: db)
        let stage = try DetectionStage(store: store, rules: defaults.rules, overlapping: overlapping)
        stage.saveInterval = saveInterval
        var batches = 0
        let hook: BatchCommitHook = { prepared, written in
            batches += 1
            if let failAfter, batches > failAfter { throw StoreError.corrupt("simulated crash") }
            try stage.onCommit(prepared, written)
        }
        let backfill = try Backfill(store: store, identities: defaults.identities,
                                    options: BackfillOptions(batchEvents: batchEvents), onCommit: hook)
        do {
            _ = try backfill.run(files: try InputFiles.expand(files))
        } catch {
            return (stage.raised, true)
        }
        try stage.finish()
        return (stage.raised, false)
    }

    func storedAlerts(_ db: String) throws -> [StoredAlert] {
        try EventReader(path: db).alerts().sorted { $0.key < $1.key }
    }

    @Test("the default rules on sample-logs raise exactly the alerts sample-logs/README.md lists, detection in the writer's transaction or beside it",
          arguments: [false, true])
    func sampleLogAlerts(overlapping: Bool) throws {
        let directory = TemporaryDirectory()
        let db = directory.path("k.db")
        let (raised, _) = try ingest([samples], into: db, batchEvents: overlapping ? 5 : 8192, overlapping: overlapping)
        let stored = try storedAlerts(db)
        #expect(raised.count == stored.count)
        let described = stored.map { "\($0.rule) \(String($0.firstSeen.rfc3339.prefix(19)))Z \($0.count)" }.sorted()
        let expected = try SampleLogs.expectedAlerts()
        #expect(!expected.isEmpty)
        #expect(described == expected)

        // Ingesting the same files again stores nothing and raises nothing.
        let (again, _) = try ingest([samples], into: db, overlapping: overlapping)
        #expect(again.isEmpty)
        #expect(try storedAlerts(db) == stored)
    }

    @Test("a crash between batches, then a restart: every alert stored once, as an uninterrupted run stores them, whether the state was saved with every batch or not at all",
          arguments: [false, true], [3600.0, 0])
    func crashAndRestart(overlapping: Bool, saveInterval: TimeInterval) throws {
        let whole = TemporaryDirectory()
        _ = try ingest([samples], into: whole.path("k.db"), batchEvents: 7)
        let expected = try storedAlerts(whole.path("k.db"))
        let batches = try EventStore(path: whole.path("k.db")).lastBlock()
        #expect(batches >= 3)

        for crashAfter in [1, Int(batches) / 2, Int(batches) - 1] {
            let directory = TemporaryDirectory()
            let db = directory.path("k.db")
            let first = try ingest([samples], into: db, batchEvents: 7, failAfter: crashAfter, overlapping: overlapping,
                                   saveInterval: saveInterval)
            #expect(first.failed, "no crash after \(crashAfter) batches")
            let second = try ingest([samples], into: db, batchEvents: 7, overlapping: overlapping)
            #expect(!second.failed)
            let keys = (first.raised + second.raised).map(\.key)
            #expect(Set(keys).count == keys.count, "an alert was raised twice (crash after \(crashAfter))")
            let stored = try storedAlerts(db)
            #expect(stored.map(\.key) == expected.map(\.key), "crash after \(crashAfter)")
            #expect(stored.map(\.count) == expected.map(\.count), "crash after \(crashAfter)")
            #expect(Set(keys) == Set(expected.map(\.key)))
        }
    }

    @Test("a backtest of the stored events raises the alerts the live run stored, with the same keys and counts")
    func backtestMatchesLive() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("k.db")
        _ = try ingest([samples], into: db, batchEvents: 10)
        let reader = try EventReader(path: db)
        let engine = DetectionEngine(rules: defaults.rules)
        var alerts: [String: Alert] = [:]
        try StoredBatches(connection: reader.connection).forEach(afterBlock: 0, withRaw: true) { batch, _ in
            for change in engine.process(batch) { alerts[change.alert.key] = change.alert }
        }
        let stored = try storedAlerts(db)
        #expect(alerts.values.map(\.key).sorted() == stored.map(\.key))
        #expect(alerts.values.sorted { $0.key < $1.key }.map(\.count) == stored.map(\.count))
    }

    @Test("the defaults stay quiet on a day of normal traffic: ±30% daily swing, an hourly job doubling, challenges, 404s, EventGrid, AWS services")
    func quietOnNormalTraffic() throws {
        var lines: [String] = []
        let start = Timestamp(parsing: "2026-11-19T00:00:00Z")!
        var serial = 0
        func time(_ seconds: Int) -> String { (start + .seconds(Int64(seconds))).rfc3339 }
        func keyVault(_ seconds: Int, _ operation: String, status: Int, oid: String?, secret: String) -> String {
            serial += 1
            let identity = oid.map { #"{"claim":{"oid":"\#($0)","appid":"a-\#($0)"}}"# } ?? "{}"
            return #"{"time":"\#(time(seconds))","category":"AuditEvent","operationName":"\#(operation)","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-A","correlationId":"c-\#(serial)","identity":\#(identity),"properties":{"id":"https://kv-a.vault.azure.net/secrets/\#(secret)/1","httpStatusCode":\#(status)}}"#
        }
        func kms(_ seconds: Int, _ name: String, identity: String, type: String = "AwsApiCall") -> String {
            serial += 1
            return #"{"eventVersion":"1.09","userIdentity":\#(identity),"eventTime":"\#(String(time(seconds).prefix(19)))Z","eventSource":"kms.amazonaws.com","eventName":"\#(name)","awsRegion":"us-east-1","requestParameters":{"keyId":"arn:aws:kms:us-east-1:111122223333:key/k1"},"eventID":"00000000-0000-4000-8000-\#(String(format: "%012d", serial))","eventType":"\#(type)","recipientAccountId":"111122223333"}"#
        }
        let role = #"{"type":"AssumedRole","principalId":"AROA:app","accountId":"111122223333","arn":"arn:aws:sts::111122223333:assumed-role/app/s","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/app"}}}"#
        let job = #"{"type":"AssumedRole","principalId":"AROA:job","accountId":"111122223333","arn":"arn:aws:sts::111122223333:assumed-role/job/s","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/job"}}}"#
        let secretsManager = #"{"type":"AWSService","invokedBy":"secretsmanager.amazonaws.com"}"#
        let awsInternal = #"{"accountId":"111122223333","invokedBy":"AWS Internal"}"#
        for minute in 0..<(30 * 60) {
            let hourOfDay = Double(minute % 1440) / 60
            let swing = 1 + 0.3 * sin(hourOfDay / 24 * 2 * .pi)  // ±30% over the day
            let steady = Int((6 * swing).rounded())
            for k in 0..<steady {
                let second = minute * 60 + k * 60 / steady
                lines.append(kms(second, "Decrypt", identity: role))
                lines.append(keyVault(second, "SecretGet", status: 200, oid: "app-oid", secret: "secret-\(k % 3)"))
            }
            // A job at 4 a minute, 8 for ten minutes every hour.
            for k in 0..<(minute % 60 < 10 ? 8 : 4) { lines.append(kms(minute * 60 + k * 7, "GenerateDataKey", identity: job)) }
            if minute % 7 == 0 { lines.append(keyVault(minute * 60 + 1, "Authentication", status: 401, oid: nil, secret: "s")) }
            if minute % 11 == 0 { lines.append(keyVault(minute * 60 + 2, "SecretGet", status: 404, oid: "app-oid", secret: "gone")) }
            if minute % 13 == 0 {
                lines.append(keyVault(minute * 60 + 3, "SecretNearExpiryEventGridNotification", status: 200, oid: nil, secret: "s"))
            }
            if minute % 5 == 0 {
                for k in 0..<(minute % 60 == 0 ? 40 : 2) { lines.append(kms(minute * 60 + 4 + k, "Decrypt", identity: secretsManager)) }
            }
            if minute % 360 == 0 { lines.append(kms(minute * 60 + 5, "RotateKey", identity: awsInternal, type: "AwsServiceEvent")) }
        }
        let directory = TemporaryDirectory()
        let file = try directory.write("day.jsonl", lines.joined(separator: "\n"))
        let (raised, _) = try ingest([file], into: directory.path("k.db"))
        #expect(raised.map(\.summary) == [])
        let reader = try EventReader(path: directory.path("k.db"))
        let stored = try reader.events(matching: EventFilter()).count
        #expect(stored == lines.count)
    }
}
