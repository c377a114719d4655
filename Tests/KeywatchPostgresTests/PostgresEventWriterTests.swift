import KeywatchCore
import KeywatchTestSupport
import PostgresNIO
import Testing
@testable import KeywatchPostgres

@Suite("PostgreSQL event writer")
struct PostgresEventWriterTests {
    /// 40 CloudTrail events of 2026-11-20, the 8th repeated at the end.
    static let records: String = {
        var lines = (0..<40).map { n in
            cloudTrailRecord(id: "00000000-0000-4000-8000-\(String(repeating: "0", count: 10))\(n < 10 ? "0" : "")\(n)",
                             time: "2026-11-20T10:00:\(n < 10 ? "0" : "")\(n)Z")
        }
        lines.append(lines[7])
        return lines.joined(separator: "\n")
    }()

    @Test("a batch is stored with exact counts, a record repeated within it counted once as a duplicate, and reads back as written")
    func storesBatch() async throws {
        try await withTestStore { connection, writer in
            let batch = decodedBatch(Self.records)
            #expect(batch.rows.count == 41)
            let result = try await writer.write(batch)
            #expect(result.stored == 40 && result.duplicates == 1 && result.rejected == 0)
            #expect(result.newRows == Array(0..<40))
            let stored = try await PostgresEventReader(connection: connection, logger: testLogger).events()
            let expected = (0..<40).map { StoredEvent(event: batch.event(at: $0), raw: Array(batch.rawBytes(of: batch.rows[$0]))) }
                .sorted { ($0.event.time, $0.event.key) < ($1.event.time, $1.event.key) }
            #expect(stored == expected)
        }
    }

    @Test("the same batch again stores nothing: every event a duplicate, no row new")
    func sameBatchAgain() async throws {
        try await withTestStore { connection, writer in
            try await writer.write(decodedBatch(Self.records))
            let again = try await writer.write(decodedBatch(Self.records))
            #expect(again.stored == 0 && again.duplicates == 41 && again.newRows.isEmpty)
            #expect(try await scalar("SELECT count(*) FROM events", Int64.self, on: connection) == 40)
        }
    }

    @Test("a batch of old and new events stores the new ones and names their positions")
    func someNew() async throws {
        try await withTestStore { connection, writer in
            try await writer.write(decodedBatch(Self.records))
            let mixed = [cloudTrailRecord(id: "new-1", time: "2026-11-20T11:00:00Z")] + Self.records.split(separator: "\n").prefix(3).map(String.init)
                + [cloudTrailRecord(id: "new-2", time: "2026-11-20T09:00:00Z"),
                   // The same id at another time is another event (the dedup key is the id and the time).
                   cloudTrailRecord(id: "00000000-0000-4000-8000-000000000000", time: "2026-11-20T12:00:00Z")]
            let result = try await writer.write(decodedBatch(mixed.joined(separator: "\n")))
            #expect(result.stored == 3 && result.duplicates == 3)
            #expect(result.newRows == [0, 4, 5])
        }
    }

    @Test("a batch spanning three days creates the three days' partitions, each holding its day's events")
    func threeDays() async throws {
        try await withTestStore { connection, writer in
            // The last microsecond of a day and the first of the next fall on either side.
            let times = ["2026-11-19T23:59:59.999999Z", "2026-11-20T00:00:00Z", "2026-11-20T12:00:00Z", "2026-11-21T00:00:00.000001Z"]
            let batch = decodedBatch(times.enumerated().map { cloudTrailRecord(id: "day-\($0.offset)", time: $0.element) }.joined(separator: "\n"))
            #expect(try await writer.write(batch).stored == 4)
            let days = try await writer.partitions.list()
            #expect(days.map(\.description) == ["2026-11-19", "2026-11-20", "2026-11-21"])
            #expect(try await scalar("SELECT count(*) FROM events_20261119", Int64.self, on: connection) == 1)
            #expect(try await scalar("SELECT count(*) FROM events_20261120", Int64.self, on: connection) == 2)
            #expect(try await scalar("SELECT count(*) FROM events_20261121", Int64.self, on: connection) == 1)
            // Another writer (another instance) finds them and creates none twice.
            let other = PostgresEventWriter(connection: connection, logger: testLogger)
            #expect(try await other.write(batch).duplicates == 4)
            #expect(try await other.partitions.list() == days)
        }
    }

    @Test("retention drops whole days: the partitions before the day named go, with their events")
    func dropDays() async throws {
        try await withTestStore { connection, writer in
            let times = ["2026-11-18T10:00:00Z", "2026-11-19T10:00:00Z", "2026-11-20T10:00:00Z"]
            try await writer.write(decodedBatch(times.enumerated().map { cloudTrailRecord(id: "r-\($0.offset)", time: $0.element) }.joined(separator: "\n")))
            let dropped = try await writer.partitions.drop(before: EventDay(Timestamp(parsing: "2026-11-20T00:00:00Z")!))
            #expect(dropped.map(\.description) == ["2026-11-18", "2026-11-19"])
            #expect(try await scalar("SELECT count(*) FROM events", Int64.self, on: connection) == 1)
            // A day dropped comes back when an event of it arrives again.
            #expect(try await writer.write(decodedBatch(cloudTrailRecord(id: "r-0", time: times[0]))).stored == 1)
        }
    }

    @Test("quotes, backslashes, tabs, newlines, NULs and the store's own escape in every text field, and every byte in the record, read back exactly")
    func hostileText() async throws {
        try await withTestStore { connection, writer in
            let texts = [KeywatchPostgresTests.hostileText, "\u{0}", "\\", "\\N", "\u{FFFE}", "\u{FFFE}0", "plain"]
            let batch = hostileBatch(texts)
            let result = try await writer.write(batch)
            #expect(result.stored == texts.count)
            let stored = try await PostgresEventReader(connection: connection, logger: testLogger).events()
            #expect(stored.count == texts.count)
            for (n, event) in stored.enumerated() {
                #expect(event.event == batch.event(at: n))
                #expect(event.raw == Array(batch.rawBytes(of: batch.rows[n])))
            }
            // Only what needs it is encoded: a plain value is stored as it is, for SQL to read.
            #expect(try await scalar("SELECT principal FROM events WHERE key = 'key:plain'", String.self, on: connection) == "principal:plain")
            // And the same hostile batch again is all duplicates: the encoded keys compare as the keys do.
            #expect(try await PostgresEventWriter(connection: connection, logger: testLogger).write(hostileBatch(texts)).duplicates == texts.count)
        }
    }

    @Test("a batch's rejects are stored with it, a file's once however often it is read, a push's each time")
    func rejects() async throws {
        try await withTestStore { connection, writer in
            let text = [cloudTrailRecord(id: "good", time: "2026-11-20T10:00:00Z"), "{\"Records\": [", "not json \u{0}\t'\\"].joined(separator: "\n")
            let file = decodedBatch(text, input: "file:/var/log/it's\ta \\file")
            #expect(file.rejects.count >= 1)
            let first = try await writer.write(file)
            #expect(first.rejected == file.rejects.count && first.stored == 1)
            let reasons = try await connection.query("SELECT input, reason, prefix, input_offset FROM rejects ORDER BY id", logger: testLogger).collect()
            #expect(reasons.count == file.rejects.count)
            for (row, reject) in zip(reasons, file.rejects) {
                let (input, reason, prefix, offset) = try row.decode((String, String, ByteBuffer, Int64?).self)
                #expect(PostgresText.decode(input) == reject.origin.input)
                #expect(PostgresText.decode(reason) == reject.reason)
                #expect(Array(prefix.readableBytesView) == reject.prefix)
                #expect(offset == reject.origin.offset)
            }
            // Read again: counted, not stored twice.
            #expect(try await writer.write(decodedBatch(text, input: "file:/var/log/it's\ta \\file")).rejected == file.rejects.count)
            #expect(try await scalar("SELECT count(*) FROM rejects", Int64.self, on: connection) == Int64(file.rejects.count))
            // A push has no offset: each is kept.
            var pushed = EventBatch()
            pushed.rejects = [Reject(origin: Origin(input: "http:req-1", offset: nil), reason: "bad\u{0}", prefix: [0, 1, 2])]
            try await writer.write(pushed)
            try await writer.write(pushed)
            #expect(try await scalar("SELECT count(*) FROM rejects WHERE input = 'http:req-1'", Int64.self, on: connection) == 2)
        }
    }

    @Test("a batch appended in a transaction that rolls back leaves neither its events nor its rejects")
    func rollback() async throws {
        try await withTestStore { connection, writer in
            var batch = decodedBatch(Self.records)
            batch.rejects = [Reject(origin: Origin(input: "file:x", offset: 5), reason: "bad", prefix: [1])]
            try await writer.prepare(for: batch)
            try await connection.query("BEGIN", logger: testLogger)
            #expect(try await writer.append(batch).stored == 40)
            try await connection.query("ROLLBACK", logger: testLogger)
            #expect(try await scalar("SELECT count(*) FROM events", Int64.self, on: connection) == 0)
            #expect(try await scalar("SELECT count(*) FROM rejects", Int64.self, on: connection) == 0)
            // The staging table is empty again and the writer goes on.
            #expect(try await writer.write(batch).stored == 40)
        }
    }

    @Test("a writer on a connection that already used temporary tables, whose buffer size can no longer change, still stores")
    func usedConnection() async throws {
        try await withTestStore { connection, writer in
            try await connection.query("SET temp_buffers = '16MB'", logger: testLogger)
            try await connection.query("CREATE TEMPORARY TABLE earlier (id integer)", logger: testLogger)
            try await connection.query("INSERT INTO earlier VALUES (1)", logger: testLogger)
            #expect(try await writer.write(decodedBatch(Self.records)).stored == 40)
        }
    }

    @Test("two instances storing overlapping batches at once store each event once, and their counts add up exactly")
    func concurrentWriters() async throws {
        try await withTestDatabase { connection, name in
            try await PostgresMigrator(connection: connection, logger: testLogger).migrate()
            let other = try await connect(to: name, on: try PostgresServer.shared.get())
            defer { Task { try? await other.close() } }
            // Each of the two writes 30 batches of 200 events; a third of each batch is in the other's too.
            func records(_ writer: Int, _ batch: Int) -> String {
                (0..<200).map { n in
                    let shared = n < 67
                    let id = shared ? "shared-\(batch)-\(n)" : "own-\(writer)-\(batch)-\(n)"
                    return cloudTrailRecord(id: id, time: "2026-11-\(18 + batch % 3)T10:00:00Z")
                }.joined(separator: "\n")
            }
            func run(_ writer: PostgresEventWriter, _ number: Int) async throws -> (Int, Int) {
                var stored = 0, duplicates = 0
                for batch in 0..<30 {
                    let result = try await writer.write(decodedBatch(records(number, batch)))
                    stored += result.stored
                    duplicates += result.duplicates
                }
                return (stored, duplicates)
            }
            async let a = run(PostgresEventWriter(connection: connection, logger: testLogger), 0)
            async let b = run(PostgresEventWriter(connection: other, logger: testLogger), 1)
            let (first, second) = try await (a, b)
            let unique = 30 * (67 + 2 * 133)
            #expect(first.0 + second.0 == unique)
            #expect(first.1 + second.1 == 2 * 30 * 200 - unique)
            #expect(try await scalar("SELECT count(*) FROM events", Int64.self, on: connection) == Int64(unique))
        }
    }
}
