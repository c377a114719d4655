import KeywatchCore
import KeywatchTestSupport
import Testing
@testable import KeywatchStore

/// Where cloud inputs stand in the store: positions by input and part, objects read.
@Suite("Cloud input records")
struct CloudInputRecordsTests {
    struct Abandoned: Error {}

    @Test("positions are kept per input and part, replaced by later ones, and lost with a rolled-back transaction")
    func positions() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("c.db"))
        try store.transaction { () throws(StoreError) in
            try store.saveInputPositions([InputPosition(input: "s3:b/p", position: "AWSLogs/1.json.gz"),
                                          InputPosition(input: "eventhub:x/h", part: "0", position: "17"),
                                          InputPosition(input: "eventhub:x/h", part: "1", position: "4")])
        }
        try store.transaction { () throws(StoreError) in
            try store.saveInputPositions([InputPosition(input: "eventhub:x/h", part: "1", position: "9")])
        }
        #expect(try store.inputPositions(of: "eventhub:x/h") == ["0": "17", "1": "9"])
        #expect(try store.inputPositions(of: "s3:b/p") == ["": "AWSLogs/1.json.gz"])
        #expect(try store.inputPositions(of: "s3:other/") == [:])
        #expect(throws: StoreError.self) {
            try store.transaction { () throws(StoreError) in
                try store.saveInputPositions([InputPosition(input: "s3:b/p", position: "AWSLogs/2.json.gz")])
                throw StoreError.corrupt("abandoned")
            }
        }
        #expect(try store.inputPositions(of: "s3:b/p") == ["": "AWSLogs/1.json.gz"])
    }

    @Test("an object is known by bucket, key and ETag: another ETag under the key is another object")
    func objects() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("c.db"))
        let object = StoredObject(bucket: "trail", key: "AWSLogs/a b+c.json.gz", etag: "\"9b2cf535f27731c974343645a3985328\"")
        #expect(try !store.contains(object))
        try store.transaction { () throws(StoreError) in try store.saveObjects([object, object], at: .now) }
        #expect(try store.contains(object))
        var rewritten = object
        rewritten.etag = "\"0000\""
        #expect(try !store.contains(rewritten))
    }

    @Test("a durable transaction syncs its commit (synchronous FULL), and the store goes back to NORMAL after it, failed or not")
    func durableCommits() throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("c.db"))
        func synchronous() throws -> Int64? { try store.connection.scalar("PRAGMA synchronous") }
        #expect(try synchronous() == 1)
        let inside = try store.transaction(durable: true) { () throws(StoreError) in
            do { return try synchronous() } catch { throw StoreError(error) }
        }
        #expect(inside == 2)
        #expect(try synchronous() == 1)
        #expect(throws: StoreError.self) {
            try store.transaction(durable: true) { () throws(StoreError) in throw StoreError.corrupt("abandoned") }
        }
        #expect(try synchronous() == 1)
        try store.transaction { () throws(StoreError) in
            do { #expect(try synchronous() == 1) } catch { throw StoreError(error) }
        }
    }
}
