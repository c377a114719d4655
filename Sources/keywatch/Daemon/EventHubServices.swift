import KeywatchCore
import KeywatchIngest
import KeywatchStore
import Logging

extension EventHubInput {
    /// One service per configured event hub, each resuming from the offsets its store holds.
    /// Made before the writer starts: the store's positions are read on its connection then.
    /// - Throws: a ``StartupError`` when a connection string cannot be read.
    static func services(_ hubs: [DaemonConfiguration.EventHub], store: EventStore, writer: StoreWriter, metrics: DaemonMetrics,
                         logger: Logger) throws -> [ThreadService] {
        try hubs.map { hub in
            let connectionString = try hub.connectionString?.resolve(for: "eventhub \(hub.hub): connection string")
            let input = EventHubInput(hub: hub, connectionString: connectionString, positions: try store.inputPositions(of: hub.inputName),
                                      writer: writer, metrics: metrics, logger: logger)
            return ThreadService(name: input.inputName, start: { input.start() }, stop: { input.stop() })
        }
    }
}
