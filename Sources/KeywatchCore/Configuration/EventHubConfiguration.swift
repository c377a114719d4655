import Yams

extension DaemonConfiguration {
    /// An Azure Event Hub that Key Vault's diagnostic setting sends its `AuditEvent` logs to,
    /// read through the namespace's Kafka endpoint (`eventhub:` in the configuration).
    ///
    /// ```yaml
    /// eventhub:
    ///   - bootstrap: my-namespace.servicebus.windows.net:9093
    ///     hub: insights-logs-auditevent
    ///     consumer_group: keywatch
    ///     connection_string_env: EVENTHUB_CONNECTION_STRING
    /// ```
    public struct EventHub: Sendable, Equatable {
        /// The namespace's Kafka endpoint, `host:port` (Event Hubs: `<namespace>.servicebus.windows.net:9093`).
        public var bootstrap: String
        /// The event hub: the Kafka topic.
        public var hub: String
        /// The hub's consumer group keywatch reads as: the Kafka consumer group.
        public var consumerGroup: String
        /// The connection string (Listen rights), the SASL PLAIN password; nil connects without
        /// SASL, which only a local broker allows (tests).
        public var connectionString: Secret?
        /// TLS to the broker; Event Hubs requires it. Off only for a local broker (tests).
        public var tls: Bool

        public init(bootstrap: String, hub: String, consumerGroup: String = "$Default", connectionString: Secret? = nil,
                    tls: Bool = true) {
            self.bootstrap = bootstrap
            self.hub = hub
            self.consumerGroup = consumerGroup
            self.connectionString = connectionString
            self.tls = tls
        }

        /// The input's name in the store's positions, detection's watermarks and /metrics:
        /// `eventhub:<bootstrap>/<hub>`.
        public var inputName: String { "eventhub:\(bootstrap)/\(hub)" }
    }
}

extension ConfigurationReader {
    /// `eventhub:`, a list of hubs to read.
    func eventHubs(_ node: Node) throws(ConfigurationError) -> [DaemonConfiguration.EventHub] {
        try inputList(node, key: "eventhub", expected: "a list of {bootstrap, hub, consumer_group, connection_string_env}",
                      name: { "\($0.hub) at \($0.bootstrap)" }) { mapping, item, key in
            noting { () throws(ConfigurationError) in try eventHub(mapping, item: item, key: key) }
        }
    }

    private func eventHub(_ mapping: Node.Mapping, item: Node, key: String) throws(ConfigurationError) -> DaemonConfiguration.EventHub {
        YAMLSupport.unknownKeys(["bootstrap", "hub", "consumer_group", "connection_string_env", "connection_string_file", "tls"],
                                in: mapping, file: file, path: key).forEach(problems.note)
        guard let bootstrapNode = mapping["bootstrap"] else {
            throw error(item, "\(key).bootstrap", "missing: the namespace's Kafka endpoint, such as my-namespace.servicebus.windows.net:9093")
        }
        let bootstrap = try nonEmptyString(bootstrapNode, key: "\(key).bootstrap")
        guard Self.isHostAndPort(bootstrap) else {
            throw error(bootstrapNode, "\(key).bootstrap", "expected host:port, such as my-namespace.servicebus.windows.net:9093")
        }
        guard let hubNode = mapping["hub"] else {
            throw error(item, "\(key).hub", "missing: the event hub's name, such as insights-logs-auditevent")
        }
        let hub = try nonEmptyString(hubNode, key: "\(key).hub")
        guard Self.isKafkaName(hub) else {
            throw error(hubNode, "\(key).hub", "expected an event hub's name: up to 249 letters, digits, '.', '_' or '-'")
        }
        var eventHub = DaemonConfiguration.EventHub(bootstrap: bootstrap, hub: hub)
        if let groupNode = mapping["consumer_group"], let group = noting({ () throws(ConfigurationError) in
            try nonEmptyString(groupNode, key: "\(key).consumer_group")
        }) {
            if group.utf8.count > 255 || group.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                problems.note(error(groupNode, "\(key).consumer_group", "expected a consumer group's name: up to 255 printable characters"))
            } else {
                eventHub.consumerGroup = group
            }
        }
        if let tlsNode = mapping["tls"], let tls = noting({ () throws(ConfigurationError) in try boolean(tlsNode, key: "\(key).tls") }) {
            eventHub.tls = tls
        }
        eventHub.connectionString = try secret(in: mapping, environment: "connection_string_env", file: "connection_string_file", path: key)
        if eventHub.connectionString == nil && eventHub.tls {
            throw error(item, "\(key).connection_string_env",
                        "missing: the environment variable (or connection_string_file: the file) holding the hub's connection string")
        }
        return eventHub
    }

    /// `host:port`, an IPv6 host in brackets.
    static func isHostAndPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return false
        }
        let host = text[..<colon]
        return !host.isEmpty && !host.contains(where: { $0 == "/" || $0 == "," || $0.isWhitespace })
    }

    /// A Kafka topic's name: what an event hub's name may be too.
    static func isKafkaName(_ text: String) -> Bool {
        text.utf8.count <= 249 && text != "." && text != ".." && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
        }
    }
}
