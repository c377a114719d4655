import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import KeywatchCore
import KeywatchStore
import Logging
import NIOCore

/// How the push receiver listens and what it accepts.
public struct PushServerOptions: Sendable {
    public var host: String
    public var port: Int
    /// The bearer token pushes must carry; nil accepts any.
    public var token: String?
    /// Largest body accepted, after decompression.
    public var maximumBodyBytes: Int
    public var decoder: RecordDecoder.Options
    /// Timeouts and the cap on connections (`http.header_timeout`, `idle_timeout`, `max_connections`).
    public var limits: ConnectionLimits

    public init(host: String = "127.0.0.1", port: Int = 8514, token: String? = nil, maximumBodyBytes: Int = 10 << 20,
                decoder: RecordDecoder.Options = .init(), limits: ConnectionLimits = ConnectionLimits()) {
        self.host = host
        self.port = port
        self.token = token
        self.maximumBodyBytes = maximumBodyBytes
        self.decoder = decoder
        self.limits = limits
    }
}

/// How long connections may take and how many may be open (`http.header_timeout`,
/// `http.idle_timeout`, `http.max_connections`), so that clients that connect and send nothing,
/// or send a head a byte at a time, cannot hold the daemon's file descriptors.
public struct ConnectionLimits: Sendable, Equatable {
    /// A request head must arrive complete within this (seconds) of the connection's opening,
    /// or of the first byte of a later request on it.
    public var headerTimeout: TimeInterval
    /// A connection is closed after this long (seconds) without a request part: idle between
    /// requests, or a body that stopped arriving (never while its answer is being prepared).
    public var idleTimeout: TimeInterval
    /// Connections open at once at most (``ConnectionGate``).
    public var maximumConnections: Int

    public init(headerTimeout: TimeInterval = 10, idleTimeout: TimeInterval = 60, maximumConnections: Int = 256) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
    }
}

/// `POST /v1/events`, `GET /healthz` and `GET /metrics` (docs/http-api.md), served by Hummingbird.
///
/// A push is answered only after its events are committed: `202` with the counts. `400` when
/// nothing in it could be parsed or its idempotency key is empty, `401` for a missing or wrong
/// token (compared in constant time, never logged), `409` for an idempotency key that came with
/// another body, `413` past the size limit (counted while reading, after decompression), `415`
/// for an encoding other than gzip, `503` with `Retry-After` when the writer's queue is full.
/// A refusal made before the body was read closes the connection. Connections are bounded by
/// ``ConnectionLimits``. A delivery from Amazon Data Firehose is answered in its own shape
/// (``FirehoseReply``).
public enum PushServer {
    /// The application, a `Service` to run in the daemon's service group.
    /// - Parameter onListening: called with the bound port once the server listens (port 0 picks one).
    public static func application(
        options: PushServerOptions, writer: StoreWriter, metrics: DaemonMetrics, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        let handler = PushHandler(options: options, writer: writer, metrics: metrics, logger: logger)
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.exposition(writerBacklog: writer.backlog))))
        }
        router.post("/v1/events") { request, _ in
            let response = await handler.handle(request)
            metrics.countRequest(status: Int(response.status.code))
            return response
        }
        let gate = ConnectionGate(maximum: options.limits.maximumConnections, metrics: metrics, logger: logger)
        let headerTimeout = TimeAmount.nanoseconds(Int64(options.limits.headerTimeout * 1e9))
        // `additionalChannelHandlers` is an autoclosure, called for each connection: every
        // connection gets a watch of its own.
        let channel = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionWatch(gate: gate, headerTimeout: headerTimeout)],
            idleTimeout: .nanoseconds(Int64(options.limits.idleTimeout * 1e9)))
        return Application(
            router: router,
            server: .http1(configuration: channel),
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: "keywatch"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? options.port) },
            logger: logger)
    }
}

/// The handling of one push.
struct PushHandler: Sendable {
    let options: PushServerOptions
    let writer: StoreWriter
    let metrics: DaemonMetrics
    let logger: Logger
    private let tokenDigest: [UInt8]?
    /// Pushes refused for a key reused with another body: their batches are not stored.
    private let refusedBatches: ThrottledLog

    init(options: PushServerOptions, writer: StoreWriter, metrics: DaemonMetrics, logger: Logger) {
        self.options = options
        self.writer = writer
        self.metrics = metrics
        self.logger = logger
        tokenDigest = options.token.map { Array(SHA256.hash(data: Array($0.utf8))) }
        refusedBatches = ThrottledLog(logger: logger)
    }

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let firehoseRequestID = HTTPField.Name("X-Amz-Firehose-Request-Id")!
    static let firehoseAccessKey = HTTPField.Name("X-Amz-Firehose-Access-Key")!

    /// The answer to a push: JSON with the counts, or in the shape Firehose requires when the
    /// push is a Firehose delivery (``FirehoseReply``).
    func handle(_ request: Request) async -> Response {
        let reply = await self.reply(to: request)
        if let requestID = request.headers[Self.firehoseRequestID] { return FirehoseReply.response(to: reply, requestID: requestID) }
        return reply.response
    }

    private func reply(to request: Request) async -> PushReply {
        // Firehose sends the access key configured on its stream in a header of its own.
        if let tokenDigest, !Self.authorized(request.headers[.authorization], digest: tokenDigest),
           !Self.matches(request.headers[Self.firehoseAccessKey], digest: tokenDigest) {
            return Self.refusal(.unauthorized, "missing or wrong bearer token", headers: [.wwwAuthenticate: "Bearer"])
        }
        let encoding = request.headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let gzip = encoding == "gzip" || encoding == "x-gzip"
        guard gzip || encoding == "identity" || encoding.isEmpty else {
            return Self.refusal(.unsupportedMediaType, "unsupported Content-Encoding \(encoding.prefix(40)); send gzip or none")
        }
        let limit = options.maximumBodyBytes
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            return Self.tooLarge(limit)
        }
        let key = request.headers[Self.idempotencyKey] ?? request.headers[Self.firehoseRequestID]
        if key?.isEmpty == true {
            return Self.refusal(.badRequest, "the idempotency key is empty: send a key of its own with each batch, or none")
        }
        let keyDigest = key.map { Array(SHA256.hash(data: Array($0.utf8))) }
        let body = PushBody(requestID: Self.requestID(key: key, digest: keyDigest), gzip: gzip,
                            limit: limit, decoder: RecordDecoder.forIngest(options: options.decoder))
        do {
            for try await piece in request.body {
                try piece.withUnsafeReadableBytes { bytes throws(PushBody.Failure) in try body.write(bytes) }
            }
            try body.finish()
        } catch PushBody.Failure.tooLarge {
            return Self.tooLarge(limit)
        } catch PushBody.Failure.badGzip(let reason) {
            return Self.refusal(.badRequest, "the gzip body cannot be read: \(reason)")
        } catch {
            return Self.refusal(.badRequest, "the body could not be read: \(error)")
        }
        let batch = body.batch
        let errors = batch.rejects.prefix(10).map { $0.reason }
        let parseable = !batch.rows.isEmpty || !batch.skipped.isEmpty
        if !parseable && batch.rejects.isEmpty {
            return PushReply(.badRequest, ["error": "the body holds no records"])
        }
        let answer: PushAnswer
        do {
            answer = try await writer.write(batch, idempotency: keyDigest.map { PushIdempotency(key: $0, body: body.digest) })
        } catch is StoreWriter.Saturated {
            return PushReply(.serviceUnavailable, ["error": "the writer is saturated; retry later"], headers: [.retryAfter: "1"])
        } catch {
            return PushReply(.serviceUnavailable, ["error": "the events could not be stored"], headers: [.retryAfter: "10"])
        }
        let outcome: PushOutcome
        var fields: [String: Any] = [:]
        switch answer {
        case .keyReused:
            // The key's digest, not the key: it comes from the client and goes to a terminal.
            refusedBatches.warning("409", "refused pushes whose idempotency key came with a different body before (409); their batches are not stored",
                                   metadata: ["last_key_sha256": "\(Self.hex(keyDigest?.prefix(8) ?? []))"])
            return PushReply(.conflict, [
                "error": "this idempotency key came with a different body before; nothing was stored: send each batch under a key of its own",
            ])
        case .stored(let stored):
            outcome = stored
        case .replayed(let first):
            outcome = first
            fields["replayed"] = true
        }
        if !parseable && outcome.accepted == 0 && outcome.duplicates == 0 {
            fields.merge(["error": "no record in the body could be stored (see errors)", "rejected": outcome.rejected, "errors": errors]) { $1 }
            return PushReply(.badRequest, fields, committed: true)
        }
        fields.merge(["accepted": outcome.accepted, "duplicates": outcome.duplicates, "rejected": outcome.rejected,
                      "errors": errors]) { $1 }
        return PushReply(.accepted, fields, committed: true)
    }

    /// The name a push's records and rejects are filed under (`http:<id>`): its key when short,
    /// the key's digest when long (keys are not cut, so two long keys never share a name), a new
    /// id without a key.
    static func requestID(key: String?, digest: [UInt8]?) -> String {
        guard let key, let digest else { return UUID().uuidString.lowercased() }
        if key.utf8.count <= 200 { return key }
        return "sha256:" + hex(digest)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `Authorization: Bearer <token>` carries the configured token.
    static func authorized(_ header: String?, digest: [UInt8]) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        return matches(String(header.dropFirst(7)), digest: digest)
    }

    /// Compares digests of the presented and the configured token, in time independent of where they differ.
    static func matches(_ token: String?, digest: [UInt8]) -> Bool {
        guard let token else { return false }
        let presented = Array(SHA256.hash(data: Array(token.utf8)))
        var difference: UInt8 = 0
        for (a, b) in zip(presented, digest) { difference |= a ^ b }
        return difference == 0
    }

    static func tooLarge(_ limit: Int) -> PushReply {
        refusal(.contentTooLarge, "the body is larger than the \(limit)-byte limit (after decompression)")
    }

    /// An answer given before the body was read to its end: it says `Connection: close`, and the
    /// connection closes after it (``ConnectionWatch``) instead of reading the rest of a body —
    /// or another request — from a client that was refused.
    static func refusal(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> PushReply {
        var headers = headers
        headers[.connection] = "close"
        return PushReply(status, ["error": message], headers: headers)
    }
}
