import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
import Logging
@testable import KeywatchIngest

/// A push when the writer is behind is refused at once with `503` and `Retry-After`, not queued without bound.
@Suite("HTTP push back-pressure")
struct PushSaturationTests {
    final class Port: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Int?
        var port: Int? { lock.withLock { value } }
        func set(_ port: Int) { lock.withLock { value = port } }
    }

    @Test("503 with Retry-After when the writer's queue is full")
    func saturated() async throws {
        let directory = TemporaryDirectory()
        let store = try EventStore(path: directory.path("k.db"))
        // Never started: the queue only fills.
        let writer = try StoreWriter(store: store, identities: .empty, detection: nil, metrics: DaemonMetrics(),
                                     options: StoreWriter.Options(queueDepth: 1), logger: Logger(label: "test"),
                                     onAlerts: { _ in }, onFailure: { _ in })
        #expect(writer.submit(WriteRequest(batch: EventBatch())))
        let bound = Port()
        let app = PushServer.application(options: PushServerOptions(port: 0), writer: writer, metrics: DaemonMetrics(),
                                         logger: Logger(label: "test")) { bound.set($0) }
        let server = Task { try await app.run() }
        defer { server.cancel() }
        for _ in 0..<200 where bound.port == nil { try await Task.sleep(for: .milliseconds(20)) }
        let port = try #require(bound.port)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/events")!)
        request.httpMethod = "POST"
        request.httpBody = Data(SyntheticLogs.keyVaultLines(0..<3).utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        let reply = try #require(response as? HTTPURLResponse)
        #expect(reply.statusCode == 503)
        #expect(reply.value(forHTTPHeaderField: "Retry-After") == "1")
    }
}
