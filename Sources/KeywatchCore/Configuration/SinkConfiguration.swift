import Yams

extension DaemonConfiguration {
    public enum StdoutFormat: String, Sendable, Equatable { case text, json }

    /// Where alerts go (docs/alerts.md). Stdout is printed as alerts commit; webhooks and e-mail are
    /// delivered through the outbox, once per alert, under their ``name``.
    public enum Sink: Sendable, Equatable {
        case stdout(format: StdoutFormat)
        case webhook(Webhook)
        case email(Email)

        /// The outbox's name for the sink; nil for stdout, which has no outbox.
        public var name: String? {
            switch self {
            case .stdout: nil
            case .webhook(let webhook): webhook.name
            case .email(let email): email.name
            }
        }
    }

    /// How hard a sink tries: per attempt, over an alert's life, and per minute.
    public struct Delivery: Sendable, Equatable {
        /// The whole of one attempt, connecting included, in seconds.
        public var timeout: Double
        /// An alert not delivered after this long is given up (`dead`).
        public var maximumAge: EventDuration
        /// At most this many deliveries a minute (bursts up to the same number), so an alert
        /// storm cannot flood the receiver; the rest wait their turn.
        public var maximumPerMinute: Int
        /// PEM certificates to trust instead of the system's (a private CA).
        public var caFile: String?

        public init(timeout: Double, maximumAge: EventDuration = EventDuration(microseconds: 86_400_000_000),
                    maximumPerMinute: Int = 60, caFile: String? = nil) {
            self.timeout = timeout
            self.maximumAge = maximumAge
            self.maximumPerMinute = maximumPerMinute
            self.caFile = caFile
        }
    }

    public struct Webhook: Sendable, Equatable {
        public var name: String
        public var url: String
        /// Signs each request (Standard Webhooks); a `whsec_` secret is base64 after the prefix.
        public var secret: Secret?
        public var delivery: Delivery

        public init(name: String = "webhook", url: String, secret: Secret? = nil, delivery: Delivery = Delivery(timeout: 10)) {
            self.name = name
            self.url = url
            self.secret = secret
            self.delivery = delivery
        }
    }

    public struct Email: Sendable, Equatable {
        public var name: String
        /// `smtp://host:port` (STARTTLS, required when credentials are set) or `smtps://host:port`.
        public var url: String
        public var from: String
        public var to: [String]
        public var username: Secret?
        public var password: Secret?
        public var delivery: Delivery

        public init(name: String = "email", url: String, from: String, to: [String], username: Secret? = nil,
                    password: Secret? = nil, delivery: Delivery = Delivery(timeout: 30)) {
            self.name = name
            self.url = url
            self.from = from
            self.to = to
            self.username = username
            self.password = password
            self.delivery = delivery
        }
    }
}

extension ConfigurationReader {
    /// The `sinks` list. Unnamed webhook and e-mail sinks are named after their kind (`webhook`,
    /// then `webhook-2`, …): the outbox keeps deliveries under that name, so give `name` to a
    /// sink whose position may change.
    func sinks(_ node: Node) throws(ConfigurationError) -> [DaemonConfiguration.Sink] {
        guard let sequence = node.sequence else { throw error(node, "sinks", "expected a list of sinks (stdout, webhook, email)") }
        var sinks: [DaemonConfiguration.Sink] = []
        var names: Set<String> = []
        var unnamed: [String: Int] = [:]
        for (index, item) in sequence.enumerated() {
            let key = "sinks[\(index)]"
            guard let outer = noting({ () throws(ConfigurationError) in try YAMLSupport.mapping(item, file: file, key: key) }) else { continue }
            guard outer.count == 1, let (kindNode, body) = outer.first, let kind = kindNode.scalar?.string else {
                problems.note(error(item, key, "expected one of stdout, webhook, email, as `- webhook: {url: …}`"))
                continue
            }
            let path = "\(key).\(kind)"
            let read: DaemonConfiguration.Sink?
            switch kind {
            case "stdout":
                read = noting { () throws(ConfigurationError) in .stdout(format: try stdoutFormat(body, path: path)) }
            case "webhook":
                read = noting { () throws(ConfigurationError) in try webhook(body, path: path) }.flatMap { $0.map(DaemonConfiguration.Sink.webhook) }
            case "email":
                read = noting { () throws(ConfigurationError) in try email(body, path: path) }.flatMap { $0.map(DaemonConfiguration.Sink.email) }
            default:
                problems.note(error(kindNode, path, "unknown sink (expected stdout, webhook or email)"))
                continue
            }
            guard var sink = read else { continue }
            let mapping = body.mapping
            if let name = sink.name {
                var given = name
                if let nameNode = mapping?["name"] {
                    guard let named = noting({ () throws(ConfigurationError) in try sinkName(nameNode, key: "\(path).name") }) else { continue }
                    given = named
                } else {
                    unnamed[kind, default: 0] += 1
                    if unnamed[kind]! > 1 { given = "\(kind)-\(unnamed[kind]!)" }
                }
                if !names.insert(given).inserted {
                    problems.note(error(mapping?["name"] ?? body, "\(path).name", "another sink is named \"\(given)\"; give each a distinct name"))
                    continue
                }
                sink.rename(given)
            }
            sinks.append(sink)
        }
        return sinks
    }

    private func sinkName(_ node: Node, key: String) throws(ConfigurationError) -> String {
        let name = try nonEmptyString(node, key: key)
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw error(node, key, "must not contain control characters")
        }
        return name
    }

    private func stdoutFormat(_ body: Node, path: String) throws(ConfigurationError) -> DaemonConfiguration.StdoutFormat {
        if let scalar = body.scalar, scalar.string.isEmpty || scalar.string == "null" { return .text }
        let mapping = try YAMLSupport.mapping(body, file: file, key: path)
        try YAMLSupport.allowOnly(["format"], in: mapping, file: file, path: path)
        guard let node = mapping["format"] else { return .text }
        guard let value = node.scalar.flatMap({ DaemonConfiguration.StdoutFormat(rawValue: $0.string) }) else {
            throw error(node, "\(path).format", "expected text or json")
        }
        return value
    }

    private static let deliveryKeys: Set<String> = ["name", "timeout", "max_age", "max_per_minute", "ca_file"]

    /// A webhook sink; nil when some of its keys had problems (each noted).
    private func webhook(_ body: Node, path: String) throws(ConfigurationError) -> DaemonConfiguration.Webhook? {
        let mapping = try YAMLSupport.mapping(body, file: file, key: path)
        YAMLSupport.unknownKeys(Self.deliveryKeys.union(["url", "secret_env", "secret_file"]), in: mapping, file: file, path: path)
            .forEach(problems.note)
        let url = noting { () throws(ConfigurationError) in try self.url(mapping, path: path, schemes: ["http", "https"], body: body) }
        let secret = noting { () throws(ConfigurationError) in try self.secret(in: mapping, environment: "secret_env", file: "secret_file", path: path) }
        let delivery = self.delivery(mapping, path: path, defaultTimeout: 10)
        guard let url, let secret, let delivery else { return nil }
        return DaemonConfiguration.Webhook(url: url, secret: secret, delivery: delivery)
    }

    /// An e-mail sink; nil when some of its keys had problems (each noted).
    private func email(_ body: Node, path: String) throws(ConfigurationError) -> DaemonConfiguration.Email? {
        let mapping = try YAMLSupport.mapping(body, file: file, key: path)
        YAMLSupport.unknownKeys(Self.deliveryKeys.union(["url", "from", "to", "username_env", "username_file",
                                                         "password_env", "password_file"]),
                                in: mapping, file: file, path: path).forEach(problems.note)
        let url = noting { () throws(ConfigurationError) in try self.url(mapping, path: path, schemes: ["smtp", "smtps"], body: body) }
        let from = noting { () throws(ConfigurationError) -> String in
            guard let fromNode = mapping["from"] else { throw error(body, "\(path).from", "missing: the sender address") }
            let from = try nonEmptyString(fromNode, key: "\(path).from")
            guard Self.isAddress(from) else { throw error(fromNode, path, "\"\(from)\" is not an e-mail address") }
            return from
        }
        let recipients = noting { () throws(ConfigurationError) -> [String] in
            guard let toNode = mapping["to"] else { throw error(body, "\(path).to", "missing: the recipient addresses") }
            let to = try YAMLSupport.strings(toNode, file: file, key: "\(path).to")
            if to.isEmpty { throw error(toNode, "\(path).to", "needs at least one address") }
            // A CR or LF would let an address add a header (`\r\n` is one Character: look at scalars);
            // angle brackets would end the SMTP path early.
            if let bad = to.first(where: { !Self.isAddress($0) }) { throw error(toNode, path, "\"\(bad)\" is not an e-mail address") }
            return to
        }
        let credentials = noting { () throws(ConfigurationError) -> (DaemonConfiguration.Secret?, DaemonConfiguration.Secret?) in
            let username = try secret(in: mapping, environment: "username_env", file: "username_file", path: path)
            let password = try secret(in: mapping, environment: "password_env", file: "password_file", path: path)
            if (username == nil) != (password == nil) {
                throw error(body, path, "give both a username and a password, or neither")
            }
            return (username, password)
        }
        let delivery = self.delivery(mapping, path: path, defaultTimeout: 30)
        guard let url, let from, let recipients, let credentials, let delivery else { return nil }
        return DaemonConfiguration.Email(url: url, from: from, to: recipients, username: credentials.0, password: credentials.1,
                                         delivery: delivery)
    }

    private static func isAddress(_ text: String) -> Bool {
        text.contains("@") && !text.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || $0 == "<" || $0 == ">" }
    }

    /// A sink's delivery settings; nil when some had problems (each noted).
    private func delivery(_ mapping: Node.Mapping, path: String, defaultTimeout: Double) -> DaemonConfiguration.Delivery? {
        var delivery = DaemonConfiguration.Delivery(timeout: defaultTimeout)
        let before = problems.problems.count
        if let node = mapping["timeout"], let duration = noting({ () throws(ConfigurationError) in
            try YAMLSupport.duration(node, file: file, key: "\(path).timeout", within: .seconds(1)...(.minutes(10)), example: "10s")
        }) {
            delivery.timeout = Double(duration.microseconds) / 1_000_000
        }
        if let node = mapping["max_age"], let age = noting({ () throws(ConfigurationError) in
            try YAMLSupport.duration(node, file: file, key: "\(path).max_age", example: "24h")
        }) {
            delivery.maximumAge = age
        }
        if let node = mapping["max_per_minute"] {
            if let count = node.scalar.flatMap({ Int($0.string) }), count > 0 {
                delivery.maximumPerMinute = count
            } else {
                problems.note(error(node, "\(path).max_per_minute", "expected a whole number above 0"))
            }
        }
        if let node = mapping["ca_file"] {
            delivery.caFile = noting { () throws(ConfigurationError) in try nonEmptyString(node, key: "\(path).ca_file") }
        }
        return problems.problems.count == before ? delivery : nil
    }
}

extension DaemonConfiguration.Sink {
    fileprivate mutating func rename(_ name: String) {
        switch self {
        case .stdout: break
        case .webhook(var webhook):
            webhook.name = name
            self = .webhook(webhook)
        case .email(var email):
            email.name = name
            self = .email(email)
        }
    }
}
