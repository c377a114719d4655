import Foundation
import KeywatchAlerting
import KeywatchCore
import KeywatchIngest
import KeywatchStore
import Logging
import ServiceLifecycle

/// The daemon's parts, wired: the store and its writer, the tailer, the push receiver, the
/// sinks — run as one service group, which stops them in reverse order on SIGTERM or SIGINT
/// (the receiver stops taking pushes, the tailer hands over its last batch, the writer commits
/// what is queued and saves detection's state).
final class Daemon: @unchecked Sendable {
    private let logger: Logger
    private let store: EventStore
    private let checkpointer: WALCheckpointer
    private let writer: StoreWriter
    private let tailer: DirectoryTailer
    private let services: [any Service]
    private let failed = Failure()

    init(configuration: DaemonConfiguration, logger: Logger) throws {
        self.logger = logger
        let rules = try RuleDirectory.load(configuration.rules)
        let identities = rules.identities.adding(accounts: configuration.accounts, organizations: configuration.organizations)
        let token = try configuration.http?.token?.resolve(for: "http.token")
        var stdoutFormat: DaemonConfiguration.StdoutFormat?
        for case .stdout(let format) in configuration.sinks { stdoutFormat = format }
        let sinks = try ConfiguredSinks.make(configuration.sinks) { secret, what in try secret.resolve(for: what) }
        do {
            var options = StoreOptions(backgroundCheckpoints: true)
            let db = configuration.db
            options.onUpgrade = { from, to in
                logger.notice("upgrading the store's schema; rebuilding indexes may take minutes on a large store",
                              metadata: ["db": "\(db)", "from": "\(from)", "to": "\(to)"])
            }
            store = try EventStore(path: configuration.db, options: options)
        } catch {
            throw StartupError(description: "cannot open the store \(configuration.db): \(error)")
        }
        store.deliverySinks = sinks.map(\.name)
        checkpointer = WALCheckpointer(path: store.path)
        let metrics = DaemonMetrics()
        let workers = sinks.map { sink in
            OutboxWorker(sink: sink, storePath: configuration.db, logger: logger) { sink, result, pending in
                metrics.countDelivery(sink: sink, result: result.rawValue, pending: pending)
            }
        }
        let detection = try DetectionStage(store: store, rules: rules.rules, identities: identities,
                                               overlapping: true, watermarks: true)
        let sources = configuration.tail.map {
            TailSource(path: $0.path, include: $0.include.map(PathGlob.init), followLinks: $0.followLinks)
        }
        let inputs = sources.map(\.inputName) + configuration.sqs.map(\.inputName) + configuration.s3.map(\.inputName)
            + configuration.eventHub.map(\.inputName) + (configuration.http == nil ? [] : [StoreWriter.pushInput])
        let failed = self.failed
        let printFormat = stdoutFormat
        writer = try StoreWriter(
            store: store, identities: identities, inputs: inputs, detection: detection, metrics: metrics,
            options: StoreWriter.Options(retention: configuration.retention,
                                         idempotencyTTL: configuration.http?.idempotencyTTL ?? .hours(24),
                                         deliveryDelay: configuration.detection.deliveryDelay),
            logger: logger,
            onAlerts: { alerts in
                // Committed with their outbox rows: the workers may send them now.
                metrics.addPending(alerts.count, sinks: sinks.map(\.name))
                for worker in workers { worker.wake() }
                guard let format = printFormat else { return }
                // Only the writer thread prints while the daemon runs.
                AlertLines.print(alerts, format: format == .json ? .json : .text)
                Standard.flush()
            },
            onFailure: { error in failed.fail(error) })
        tailer = DirectoryTailer(sources: sources, records: try store.tailedFiles(), writer: writer, metrics: metrics, logger: logger)
        // Started first, stopped last: deliveries go on until the writer has committed its last alerts.
        var services: [any Service] = workers.map { worker in
            ThreadService(name: "outbox \(worker.sink.name)", start: { worker.start() }, stop: { worker.stop() })
        }
        services += [
            ThreadService(name: "writer", start: { [writer] in writer.start() }, stop: { [writer] in writer.stop() }),
            ThreadService(name: "tailer", start: { [tailer] in tailer.start() }, stop: { [tailer] in tailer.stop() }),
        ]
        services += try CloudInputs.services(of: configuration, store: store, writer: writer, metrics: metrics, logger: logger)
        services += try EventHubInput.services(configuration.eventHub, store: store, writer: writer, metrics: metrics, logger: logger)
        if let http = configuration.http {
            let limits = ConnectionLimits(
                headerTimeout: Double(http.headerTimeout.microseconds) / 1e6, idleTimeout: Double(http.idleTimeout.microseconds) / 1e6,
                maximumConnections: http.maximumConnections)
            let options = PushServerOptions(host: http.host, port: http.port, token: token, maximumBodyBytes: http.maximumBodyBytes,
                                            limits: limits)
            var files = rlimit()
            if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &files) == 0, UInt64(http.maximumConnections) + 128 > UInt64(files.rlim_cur) {
                logger.warning("http.max_connections leaves few of the open-file limit to tailing and the store: lower it or raise the limit (ulimit -n)",
                               metadata: ["max_connections": "\(http.maximumConnections)", "open_file_limit": "\(files.rlim_cur)"])
            }
            services.append(PushServer.application(options: options, writer: writer, metrics: metrics, logger: logger) { port in
                logger.info("listening", metadata: ["address": "\(http.host):\(port)"])
            })
        }
        self.services = services
        logger.info("keywatch started", metadata: [
            "db": "\(configuration.db)", "rules": "\(rules.rules.count)",
            "tail": "\(configuration.tail.map(\.path).joined(separator: ","))",
            "sqs": "\(configuration.sqs.map(\.queueURL).joined(separator: ","))",
            "s3": "\(configuration.s3.map(\.inputName).joined(separator: ","))",
            "sinks": "\(configuration.sinks.map { $0.name ?? "stdout" }.joined(separator: ","))",
        ])
    }

    /// Runs until SIGTERM or SIGINT (status 0), or until the store fails (status 1).
    func runUntilShutdown() -> Int32 {
        let group = ServiceGroup(configuration: .init(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        failed.onFailure = { Task { await group.triggerGracefulShutdown() } }
        let done = DispatchSemaphore(value: 0)
        let outcome = Failure()
        Task {
            do {
                try await group.run()
            } catch {
                outcome.fail(StoreError.corrupt("\(error)"))
                self.logger.error("stopped on an error", metadata: ["error": "\(error)"])
            }
            done.signal()
        }
        done.wait()
        checkpointer.stop()
        logger.info("keywatch stopped")
        return failed.error != nil || outcome.error != nil ? 1 : 0
    }
}

/// Whether the daemon must stop because its store failed; set from the writer thread.
final class Failure: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: StoreError?
    private var handler: (() -> Void)?

    var error: StoreError? { lock.withLock { stored } }

    var onFailure: (() -> Void)? {
        get { lock.withLock { handler } }
        set { lock.withLock { handler = newValue } }
    }

    func fail(_ error: StoreError) {
        let handler = lock.withLock {
            stored = error
            return self.handler
        }
        handler?()
    }
}
