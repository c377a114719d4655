// Measures the PostgreSQL store's writer: the corpus decoded first (untimed, as
// `keywatch ingest --dry-run` decodes it), then its batches stored through PostgresEventWriter into
// a private PostgreSQL server that syncs every commit, and stored again (all duplicates).
//
//   swift build -c release --product PostgresIngestBench
//   .build/release/PostgresIngestBench bench/.corpus/logs [--batch-events 8192] [--connections 1]
import Foundation
import KeywatchCore
import KeywatchIngest
import KeywatchPostgres
import KeywatchTestSupport
import Logging
import PostgresNIO

@main
struct PostgresIngestBench {
    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String, _ value: Int) -> Int {
            guard let at = arguments.firstIndex(of: name), at + 1 < arguments.count, let n = Int(arguments[at + 1]) else { return value }
            arguments.removeSubrange(at...(at + 1))
            return n
        }
        let batchEvents = option("--batch-events", 8192)
        let connections = option("--connections", 1)
        guard !arguments.isEmpty else {
            print("usage: PostgresIngestBench <files or directories>… [--batch-events N] [--connections N]")
            return
        }
        let files = try InputFiles.expand(arguments)
        var started = Date()
        let batches = try decode(files, batchEvents: batchEvents)
        let events = batches.reduce(0) { $0 + $1.rows.count }
        print("decoded \(events) events from \(files.count) files into \(batches.count) batches in \(seconds(since: started)) s (untimed below)")

        let server = try PostgresServer(durable: true)
        let database = try server.createDatabase()
        var logger = Logger(label: "keywatch-postgres-bench")
        logger.logLevel = .warning
        var open: [PostgresConnection] = []
        for id in 0..<connections {
            open.append(try await PostgresConnection.connect(
                configuration: .init(host: "127.0.0.1", port: server.port, username: server.user, password: nil, database: database, tls: .disable),
                id: id, logger: logger))
        }
        let connection = open[0]
        try await PostgresMigrator(connection: connection, logger: logger).migrate()
        for pass in ["new", "again (all duplicates)"] {
            started = Date()
            // With several connections, each stores every n-th batch, as instances would.
            let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for (n, connection) in open.enumerated() {
                    let mine = stride(from: n, to: batches.count, by: open.count).map { batches[$0] }
                    let logger = logger
                    group.addTask {
                        let writer = PostgresEventWriter(connection: connection, logger: logger)
                        var stored = 0, duplicates = 0
                        for batch in mine {
                            let result = try await writer.write(batch)
                            stored += result.stored
                            duplicates += result.duplicates
                        }
                        return (stored, duplicates)
                    }
                }
                var results: [(Int, Int)] = []
                for try await result in group { results.append(result) }
                return results
            }
            let stored = results.reduce(0) { $0 + $1.0 }, duplicates = results.reduce(0) { $0 + $1.1 }
            let elapsed = Date().timeIntervalSince(started)
            print("\(pass): \(stored) stored, \(duplicates) duplicates in \(String(format: "%.2f", elapsed)) s = \(Int(Double(events) / elapsed)) events/s")
        }
        let size = try await connection.query("SELECT pg_size_pretty(pg_database_size(current_database()))", logger: logger)
            .collect().first?.decode(String.self) ?? "?"
        let record = try await connection.query("""
            SELECT avg(octet_length(raw))::int8, avg(pg_column_size(raw))::int8, avg(pg_column_size(e.*))::int8 FROM events e
            """, logger: logger).collect().first?.decode((Int64, Int64, Int64).self)
        print("database size \(size); a record \(record?.0 ?? 0) bytes, stored in \(record?.1 ?? 0), a row \(record?.2 ?? 0)")
        for connection in open { try await connection.close() }
        server.stop()
    }

    static func decode(_ files: [String], batchEvents: Int) throws -> [EventBatch] {
        let recordDecoder = RecordDecoder(inflate: GzipInflater.inflate)
        recordDecoder.eventTimes = EventTimeBounds(now: .now)
        let decoder = FileDecoder(recordDecoder: recordDecoder)
        var batches: [EventBatch] = []
        var batch = EventBatch()
        for file in files {
            try decoder.decode(path: file, into: &batch) { batch in
                if batch.rows.count >= batchEvents {
                    batches.append(batch)
                    batch = EventBatch()
                }
            }
        }
        if !batch.isEmpty { batches.append(batch) }
        return batches
    }

    static func seconds(since start: Date) -> String { String(format: "%.2f", Date().timeIntervalSince(start)) }
}
