import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchStore

/// The caller's session and the session an STS or EKS Auth call creates, each in a column of its own.
@Suite("Session columns")
struct SessionColumnsTests {
    /// Elastic's AssumeRole sample (test-assume-role-json.log), its credentials left out: the role
    /// session JohnRole1 creates Role2WithTags.
    let assumeRole = #"""
        {"eventVersion":"1.05","userIdentity":{"type":"AssumedRole","principalId":"AROAIN5ATK5U7KEXAMPLE:JohnRole1",\#
        "arn":"arn:aws:sts::111111111111:assumed-role/JohnDoe/JohnRole1","accountId":"111111111111",\#
        "sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAIN5ATK5U7KEXAMPLE",\#
        "arn":"arn:aws:iam::111111111111:role/JohnRole1","accountId":"111111111111","userName":"JohnDoe"}}},\#
        "eventTime":"2019-10-02T22:12:29Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-2",\#
        "sourceIPAddress":"81.2.69.144","requestParameters":{"roleArn":"arn:aws:iam::111111111111:role/JohnRole2",\#
        "roleSessionName":"Role2WithTags","durationSeconds":3600},"requestID":"b96b0e4e-e561-11e9-8b3f-7b396EXAMPLE",\#
        "eventID":"1917948f-3042-46ec-98e2-62865EXAMPLE","eventType":"AwsApiCall","recipientAccountId":"111111111111"}
        """#

    @Test("both sessions are stored and read back: by queries, the events view and the batches detection replays")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let store = try EventStore(path: path)
        let input = batch(assumeRole)
        try #require(input.rows.count == 1)
        try store.write(PreparedBatch(batch: input, compressor: RawBlockCompressor()))

        let events = try EventReader(path: path).events(matching: EventFilter())
        #expect(events.map(\.session) == ["JohnRole1"])
        #expect(events.map(\.newSession) == ["Role2WithTags"])
        #expect(events == input.events)
        let view = try ReadOnlySQL(path: path).run("SELECT session, new_session FROM events").rows
        #expect(view == [[.text("JohnRole1"), .text("Role2WithTags")]])
        var replayed: [Event] = []
        try StoredBatches(connection: store.connection).forEach(afterBlock: 0, withRaw: false) { batch, _ in
            replayed.append(contentsOf: batch.events)
        }
        #expect(replayed.map(\.session) == ["JohnRole1"])
        #expect(replayed.map(\.newSession) == ["Role2WithTags"])
    }

    @Test("a store of version 8 gets new_session when opened: the sessions its STS and successful EKS Auth calls created move there")
    func migration() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        let old = try storeOfSchema(8, at: path)
        let rows: [(EventSource, Outcome, String)] = [
            (.awsKMS, .success, "caller-of-kms"),
            (.awsSTS, .success, "created-by-sts"),
            (.awsSTS, .denied, "asked-of-sts"),
            (.awsEKSAuth, .success, "created-by-eks"),
            (.awsEKSAuth, .denied, "caller-of-eks"),
        ]
        for (time, (source, outcome, session)) in rows.enumerated() {
            try old.execute("""
                INSERT INTO event_rows(time, key_hash, key, source, operation, class, outcome, resource_type, session,
                                       input_id, raw_block, raw_offset, raw_length)
                VALUES (\(time), \(time), 'k\(time)', \(source.code), 0, 0, \(outcome.code), 0, '\(session)', 0, 0, 0, 0)
                """)
        }

        _ = try EventStore(path: path)
        let stored = try ReadOnlySQL(path: path).run("SELECT session, new_session FROM events ORDER BY time_us").rows
        #expect(stored == [
            [.text("caller-of-kms"), .null],
            [.null, .text("created-by-sts")],
            [.null, .text("asked-of-sts")],
            [.null, .text("created-by-eks")],
            [.text("caller-of-eks"), .null],
        ])
        #expect(try SQLiteConnection(path: path).scalar("PRAGMA user_version") == Int64(EventStore.schemaVersion))
    }
}
