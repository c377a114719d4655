import Foundation
import KeywatchCore
import KeywatchIngest
import KeywatchStore
import Logging

/// The daemon's cloud inputs — `sqs:` queues and `s3:` listings — each a thread beside the tailer,
/// with AWS credentials found once at start (the environment, a profile, or a web-identity token).
enum CloudInputs {
    static func services(of configuration: DaemonConfiguration, store: EventStore, writer: StoreWriter, metrics: DaemonMetrics,
                         logger: Logger) throws -> [ThreadService] {
        guard !configuration.sqs.isEmpty || !configuration.s3.isEmpty else { return [] }
        let source: AWSCredentialSource
        do {
            source = try .ofThisProcess()
        } catch {
            throw StartupError(description: "the sqs: and s3: inputs need AWS credentials: \(error)")
        }
        if case .keys(let keys, let origin) = source {
            logger.info("AWS credentials", metadata: ["key": "\(keys.accessKeyID)", "from": "\(origin)"])
        }
        func provider(region: String, endpoint: String?) -> AWSCredentialProvider {
            AWSCredentialProvider(source: source, region: region,
                                  stsEndpoint: ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL_STS"] ?? endpoint)
        }
        var services: [ThreadService] = []
        for queue in configuration.sqs {
            let input = QueueInput(settings: queue, credentials: provider(region: queue.region, endpoint: queue.endpoint),
                                   writer: writer, storePath: store.path, metrics: metrics, logger: logger)
            services.append(ThreadService(name: input.inputName, start: { input.start() }, stop: { input.stop() }))
        }
        for listing in configuration.s3 {
            let lastKey = try store.inputPositions(of: listing.inputName)[""]
            let input = ListingInput(settings: listing, lastKey: lastKey, credentials: provider(region: listing.region, endpoint: listing.endpoint),
                                     writer: writer, storePath: store.path, metrics: metrics, logger: logger)
            services.append(ThreadService(name: input.inputName, start: { input.start() }, stop: { input.stop() }))
        }
        return services
    }
}
