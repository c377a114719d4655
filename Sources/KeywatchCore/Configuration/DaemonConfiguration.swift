import Foundation
import Yams

/// The daemon's configuration. Without a file, the embedded demo: tail `./sample-logs`, listen on
/// `127.0.0.1:8514`, store in `./keywatch.db`, rules from `./rules`, alerts to stdout. A file is
/// the whole configuration: it reads only the inputs it names (no `tail:`, no tailing; no
/// `http:`, no listener) and sends alerts only to the sinks it names (no `sinks:`, alerts are
/// stored, and `keywatch alerts` shows them); only its store and rules directory default.
/// Relative paths are relative to the directory keywatch runs in.
public struct DaemonConfiguration: Sendable, Equatable {
    /// A directory to tail and the files in it that are logs.
    public struct Tail: Sendable, Equatable {
        public var path: String
        /// Glob patterns over paths relative to ``path`` (`**` for any depth); empty: every file.
        public var include: [String]
        /// Whether symbolic links under ``path`` are followed (`follow_links`); off by default, as
        /// Filebeat's `symlinks`. Even on, a link is followed only when its target lies under the
        /// root's real path: a link never brings a file from elsewhere into the logs.
        public var followLinks: Bool

        public init(path: String, include: [String] = [], followLinks: Bool = false) {
            self.path = path
            self.include = include
            self.followLinks = followLinks
        }
    }

    /// Where a secret comes from: never the file itself, never the command line.
    public enum Secret: Sendable, Equatable {
        case environment(String)
        case file(String)
    }

    public struct HTTP: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// The bearer token pushes must carry; nil accepts any push (loopback use).
        public var token: Secret?
        /// Largest body accepted, after decompression.
        public var maximumBodyBytes: Int
        /// A request head must arrive complete within this of the connection's opening (or of
        /// the first byte of a later request on it), or the connection is closed.
        public var headerTimeout: EventDuration
        /// A connection without a request part for this long is closed: idle between requests,
        /// or a body that stopped arriving.
        public var idleTimeout: EventDuration
        /// Connections open at once at most: at the limit the one idle longest is closed for a
        /// new one, or the new one when all are busy. Well below the open-file limit, which
        /// tailing and the store need too.
        public var maximumConnections: Int
        /// How long an idempotency key is remembered: a retry within it is answered, not stored again.
        public var idempotencyTTL: EventDuration

        public init(host: String = "127.0.0.1", port: Int = 8514, token: Secret? = nil, maximumBodyBytes: Int = 10 << 20,
                    headerTimeout: EventDuration = .seconds(10), idleTimeout: EventDuration = .seconds(60),
                    maximumConnections: Int = 256, idempotencyTTL: EventDuration = .hours(24)) {
            self.host = host
            self.port = port
            self.token = token
            self.maximumBodyBytes = maximumBodyBytes
            self.headerTimeout = headerTimeout
            self.idleTimeout = idleTimeout
            self.maximumConnections = maximumConnections
            self.idempotencyTTL = idempotencyTTL
        }
    }

    /// How detection's clock follows the inputs.
    public struct Detection: Sendable, Equatable {
        /// How long the clouds take to deliver a log after its events (`delivery_delay`): an idle
        /// input's watermark stays this far behind the wall clock. CloudTrail delivers a file
        /// about 5 minutes after its calls on average (not guaranteed); Key Vault's diagnostic
        /// logs reach storage or Event Hubs within about 10 minutes.
        public var deliveryDelay: EventDuration

        public init(deliveryDelay: EventDuration = .minutes(15)) {
            self.deliveryDelay = deliveryDelay
        }
    }

    public var db = "./keywatch.db"
    public var rules = "./rules"
    public var tail: [Tail] = [Tail(path: "./sample-logs")]
    /// Queues of S3 notifications to read CloudTrail files from.
    public var sqs: [Queue] = []
    /// Bucket prefixes to list and read.
    public var s3: [Listing] = []
    /// Event hubs to read Key Vault's logs from (``EventHub``).
    public var eventHub: [EventHub] = []
    /// Nil: no HTTP listener.
    public var http: HTTP? = HTTP()
    /// Events older than this are deleted; nil keeps everything.
    public var retention: EventDuration?
    public var sinks: [Sink] = [.stdout(format: .text)]
    public var detection = Detection()
    /// Our AWS accounts and organisations (`accounts:`, `organization:`), added to those of the
    /// rules directory's identities.yaml: a grant or policy letting in any other account is to
    /// a foreign one.
    public var accounts: [String] = []
    public var organizations: [String] = []
    /// The file the configuration was read from; nil for the embedded demo.
    public var file: String?
    /// The line of each path-like value in ``file`` (`db`, `rules`, `tail[0].path`,
    /// `sinks[1].webhook.ca_file`…), so that a problem found when the daemon starts — a directory
    /// that does not exist — names it as a parse error would.
    public var lines: [String: Int] = [:]

    /// The embedded demo.
    public init() {}

    /// What a file starts from: the demo's store and rules directory, no input and no sink.
    private init(file: String) {
        self.file = file
        tail = []
        http = nil
        sinks = []
    }

    /// Parses a configuration file's text.
    /// - Throws: every problem of the file, each naming the file, line and key.
    public static func parse(_ text: String, file: String) throws(ConfigurationProblems) -> DaemonConfiguration {
        var configuration = DaemonConfiguration(file: file)
        let problems = ProblemLog()
        let reader = ConfigurationReader(file: file, problems: problems)
        guard let root = problems.attempt({ () throws(ConfigurationError) in try YAMLSupport.compose(text, file: file) }) else {
            throw ConfigurationProblems(problems.problems)
        }
        guard let root else { return configuration }
        guard let mapping = problems.attempt({ () throws(ConfigurationError) in try YAMLSupport.mapping(root, file: file, key: "") }) else {
            throw ConfigurationProblems(problems.problems)
        }
        YAMLSupport.unknownKeys(["db", "rules", "tail", "sqs", "s3", "eventhub", "http", "retention", "sinks", "detection", "accounts",
                                 "organization"],
                                in: mapping, file: file, path: "").forEach(problems.note)
        /// The value of `key` as `read` reads it; nil when absent or wrong (the problem noted).
        func value<T>(_ key: String, _ read: (Node) throws(ConfigurationError) -> T) -> T? {
            guard let node = mapping[key] else { return nil }
            return problems.attempt { () throws(ConfigurationError) in try read(node) }
        }
        if let db = value("db", { node throws(ConfigurationError) in try reader.nonEmptyString(node, key: "db") }) { configuration.db = db }
        if let rules = value("rules", { node throws(ConfigurationError) in try reader.nonEmptyString(node, key: "rules") }) {
            configuration.rules = rules
        }
        if let tail = value("tail", reader.tails) { configuration.tail = tail }
        if let queues = value("sqs", reader.queues) { configuration.sqs = queues }
        if let listings = value("s3", reader.listings) { configuration.s3 = listings }
        if let eventHub = value("eventhub", reader.eventHubs) { configuration.eventHub = eventHub }
        if let http = value("http", reader.http) { configuration.http = http }
        configuration.retention = value("retention") { node throws(ConfigurationError) in
            try YAMLSupport.duration(node, file: file, key: "retention", example: "90d or 12h")
        }
        if let sinks = value("sinks", reader.sinks) { configuration.sinks = sinks }
        if let detection = value("detection", reader.detection) { configuration.detection = detection }
        if let accounts = value("accounts", { node throws(ConfigurationError) in try IdentityMap.accounts(node, file: file, key: "accounts") }) {
            configuration.accounts = accounts
        }
        if let organizations = value("organization", { node throws(ConfigurationError) in
            try IdentityMap.organizations(node, file: file, key: "organization")
        }) {
            configuration.organizations = organizations
        }
        if !problems.isEmpty { throw ConfigurationProblems(problems.inFileOrder) }
        configuration.lines = reader.lines.lines
        return configuration
    }
}

/// The line of each value a ``ConfigurationReader`` has read, by key.
final class KeyLines {
    var lines: [String: Int] = [:]
}

/// Reads the parts of a configuration file.
///
/// A part notes each problem of its keys in ``problems`` and reads on, its defaults standing in
/// for what was wrong; it throws only when it cannot be read at all (a list where a mapping
/// belongs). ``DaemonConfiguration/parse(_:file:)`` throws when any problem was noted, so a
/// partly read part never runs.
struct ConfigurationReader {
    let file: String
    let problems: ProblemLog
    let lines = KeyLines()

    func error(_ node: Node, _ key: String, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node.line, key: key, message: message)
    }

    /// A string; its line is kept (``lines``) for problems found later with what it names.
    func nonEmptyString(_ node: Node, key: String) throws(ConfigurationError) -> String {
        let value = try YAMLSupport.string(node, file: file, key: key)
        if value.isEmpty { throw error(node, key, "must not be empty") }
        lines.lines[key] = node.line
        return value
    }

    /// What `read` returns; nil with its problem noted.
    func noting<T>(_ read: () throws(ConfigurationError) -> T) -> T? {
        problems.attempt(read)
    }

    func detection(_ node: Node) throws(ConfigurationError) -> DaemonConfiguration.Detection {
        let mapping = try YAMLSupport.mapping(node, file: file, key: "detection")
        YAMLSupport.unknownKeys(["delivery_delay"], in: mapping, file: file, path: "detection").forEach(problems.note)
        var detection = DaemonConfiguration.Detection()
        if let delay = mapping["delivery_delay"], let value = noting({ () throws(ConfigurationError) in
            try YAMLSupport.duration(delay, file: file, key: "detection.delivery_delay", example: "15m", allowZero: true)
        }) {
            detection.deliveryDelay = value
        }
        return detection
    }

    func tails(_ node: Node) throws(ConfigurationError) -> [DaemonConfiguration.Tail] {
        if node.scalar?.string.isEmpty == true || node.scalar?.string == "null" { return [] }
        guard let sequence = node.sequence else { throw error(node, "tail", "expected a list of {path, include, follow_links}") }
        var tails: [DaemonConfiguration.Tail] = []
        for (index, item) in sequence.enumerated() {
            let key = "tail[\(index)]"
            guard let mapping = noting({ () throws(ConfigurationError) in try YAMLSupport.mapping(item, file: file, key: key) }) else { continue }
            YAMLSupport.unknownKeys(["path", "include", "follow_links"], in: mapping, file: file, path: key).forEach(problems.note)
            guard let pathNode = mapping["path"] else {
                problems.note(error(item, "\(key).path", "missing: the directory to tail"))
                continue
            }
            guard let path = noting({ () throws(ConfigurationError) in try nonEmptyString(pathNode, key: "\(key).path") }) else { continue }
            var tail = DaemonConfiguration.Tail(path: path)
            if let include = mapping["include"] {
                tail.include = noting { () throws(ConfigurationError) in
                    let patterns = try YAMLSupport.strings(include, file: file, key: "\(key).include")
                    if let empty = patterns.firstIndex(where: \.isEmpty) {
                        throw error(include, "\(key).include[\(empty)]", "an empty pattern matches nothing")
                    }
                    return patterns
                } ?? []
            }
            if let follow = mapping["follow_links"] {
                tail.followLinks = noting { () throws(ConfigurationError) in try boolean(follow, key: "\(key).follow_links") } ?? false
            }
            tails.append(tail)
        }
        return tails
    }

    func boolean(_ node: Node, key: String) throws(ConfigurationError) -> Bool {
        switch node.scalar?.string.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error(node, key, "expected true or false")
        }
    }

    func http(_ node: Node) throws(ConfigurationError) -> DaemonConfiguration.HTTP? {
        if node.scalar?.string == "off" || node.scalar?.string == "false" { return nil }
        let mapping = try YAMLSupport.mapping(node, file: file, key: "http")
        YAMLSupport.unknownKeys(["listen", "token_env", "token_file", "max_body", "header_timeout", "idle_timeout",
                                 "max_connections", "idempotency_ttl"], in: mapping, file: file, path: "http").forEach(problems.note)
        var http = DaemonConfiguration.HTTP()
        /// Reads `key` with `read` into the setting at `setting`, when the key is there and right.
        func read<T>(_ key: String, into setting: WritableKeyPath<DaemonConfiguration.HTTP, T>,
                     _ read: (Node) throws(ConfigurationError) -> T) {
            guard let node = mapping[key], let value = noting({ () throws(ConfigurationError) in try read(node) }) else { return }
            http[keyPath: setting] = value
        }
        if let listen = mapping["listen"], let (host, port) = noting({ () throws(ConfigurationError) in try address(listen) }) {
            http.host = host
            http.port = port
        }
        http.token = noting { () throws(ConfigurationError) in
            try secret(in: mapping, environment: "token_env", file: "token_file", path: "http")
        } ?? nil
        read("max_body", into: \.maximumBodyBytes) { node throws(ConfigurationError) in
            guard let text = node.scalar?.string, let bytes = Self.bytes(text), bytes > 0 else {
                throw error(node, "http.max_body", "expected a size such as 10MiB, 512KiB or 1048576")
            }
            return bytes
        }
        read("header_timeout", into: \.headerTimeout) { node throws(ConfigurationError) in
            try duration(node, key: "http.header_timeout", from: .seconds(1), to: .minutes(10), example: "10s")
        }
        read("idle_timeout", into: \.idleTimeout) { node throws(ConfigurationError) in
            try duration(node, key: "http.idle_timeout", from: .seconds(1), to: .hours(1), example: "60s")
        }
        read("max_connections", into: \.maximumConnections) { node throws(ConfigurationError) in
            guard let count = node.scalar.flatMap({ Int($0.string) }), (1...1_000_000).contains(count) else {
                throw error(node, "http.max_connections", "expected a whole number from 1 to 1000000, such as 256")
            }
            return count
        }
        read("idempotency_ttl", into: \.idempotencyTTL) { node throws(ConfigurationError) in
            try duration(node, key: "http.idempotency_ttl", from: .minutes(1), to: .days(365), example: "24h")
        }
        return http
    }

    /// `http.listen`: `host:port`, an IPv6 host in brackets.
    private func address(_ listen: Node) throws(ConfigurationError) -> (String, Int) {
        let text = try nonEmptyString(listen, key: "http.listen")
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw error(listen, "http.listen", "expected host:port, such as 127.0.0.1:8514")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { throw error(listen, "http.listen", "expected host:port, such as 127.0.0.1:8514") }
        return (host, port)
    }

    /// A duration within `from...to`, or an error naming the range and an example.
    func duration(_ node: Node, key: String, from: EventDuration, to: EventDuration, example: String)
        throws(ConfigurationError) -> EventDuration
    {
        try YAMLSupport.duration(node, file: file, key: key, within: from...to, example: example)
    }

    func url(_ mapping: Node.Mapping, path: String, schemes: Set<String>, body: Node) throws(ConfigurationError) -> String {
        guard let node = mapping["url"] else { throw error(body, "\(path).url", "missing") }
        let url = try nonEmptyString(node, key: "\(path).url")
        let scheme = url.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        guard schemes.contains(scheme), url.contains("://") else {
            throw error(node, "\(path).url", "expected a URL starting with \(schemes.sorted().map { "\($0)://" }.joined(separator: " or "))")
        }
        return url
    }

    func secret(in mapping: Node.Mapping, environment: String, file: String, path: String)
        throws(ConfigurationError) -> DaemonConfiguration.Secret?
    {
        let fromEnvironment = try mapping[environment].map { node throws(ConfigurationError) in
            try nonEmptyString(node, key: "\(path).\(environment)")
        }
        let fromFile = try mapping[file].map { node throws(ConfigurationError) in try nonEmptyString(node, key: "\(path).\(file)") }
        if fromEnvironment != nil, fromFile != nil, let node = mapping[file] {
            throw error(node, "\(path).\(file)", "give \(environment) or \(file), not both")
        }
        return fromEnvironment.map { .environment($0) } ?? fromFile.map { .file($0) }
    }

    /// `10MiB`, `512KiB`, `1MB`, `1048576`.
    static func bytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber }
        guard let number = Int(digits) else { return nil }
        let units: [String: Int] = ["": 1, "B": 1, "KB": 1000, "KiB": 1 << 10, "MB": 1_000_000, "MiB": 1 << 20,
                                    "GB": 1_000_000_000, "GiB": 1 << 30]
        guard let unit = units[trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)] else { return nil }
        let (value, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : value
    }
}
