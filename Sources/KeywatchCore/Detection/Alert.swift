/// What a rule raised (SPEC §4): one JSON object printed by `--format json`, stored in `alerts`,
/// posted to webhooks and summarized in e-mails.
///
/// ``key`` is the same for the rule, group and window whichever way the events arrived — a
/// backfill and a live run over the same events give the same keys, and a receiver can
/// deduplicate by it. Later events of the same group and period join the alert: its ``count``,
/// ``lastSeen`` and ``events`` grow, its key stays.
public struct Alert: Sendable, Equatable {
    /// Short and stable: derived from ``key``, so a replay yields the same id. The store gives
    /// the rare alert whose short id another key already holds ``collisionID(forKey:)``.
    public var id: String
    public var key: String
    public var rule: String
    public var title: String
    public var severity: Rule.Severity
    public var group: [GroupValue]
    /// Events counted into the alert (for `distinct`, events carrying the distinct values).
    public var count: Int
    public var window: AlertWindow?
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    public var summary: String
    public var details: [AlertDetail]
    /// Up to ``evidenceLimit`` event keys: the first ones counted, or for a rule that needs more
    /// events than that to fire, the last ones before it fired and the first after.
    public var events: [String]
    public var ruleFile: String
    public var ruleSHA256: String

    /// How many evidence event keys an alert carries.
    public static let evidenceLimit = 20

    public init(
        key: String, rule: Rule, group: [GroupValue], count: Int, window: AlertWindow?, firstSeen: Timestamp,
        lastSeen: Timestamp, summary: String, details: [AlertDetail], events: [String]
    ) {
        self.id = Self.id(forKey: key)
        self.key = key
        self.rule = rule.id
        self.title = rule.title
        self.severity = rule.severity
        self.group = group
        self.count = count
        self.window = window
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.summary = summary
        self.details = details
        self.events = events
        self.ruleFile = rule.file
        self.ruleSHA256 = rule.fileSHA256
    }

    /// `kw-` and the first 16 hex digits of the key (itself a digest): short enough to type.
    public static func id(forKey key: String) -> String {
        "kw-" + key.prefix(16)
    }

    /// The id of an alert whose ``id(forKey:)`` a stored alert of another key already has:
    /// `kw-` and the whole key, as unique as the key.
    public static func collisionID(forKey key: String) -> String {
        "kw-" + key
    }

    /// A group value by field name, nil when the alert is not grouped by it.
    public func groupValue(_ field: String) -> String? {
        group.first { $0.field == field }?.value
    }

    /// Adds an event that joins the alert.
    mutating func join(key eventKey: @autoclosure () -> String, at time: Timestamp) {
        count += 1
        if time < firstSeen { firstSeen = time }
        if time > lastSeen { lastSeen = time }
        if events.count < Self.evidenceLimit { events.append(eventKey()) }
    }

    /// Adds a value to a `distinct` alert's `values` and `distinct` details.
    mutating func addDistinctValue(_ value: String, keeping limit: Int) {
        guard let position = details.firstIndex(where: { $0.name == "values" }),
              case .list(var values) = details[position].value, !values.contains(value), values.count < limit else { return }
        values.append(value)
        values.sort()
        details[position].value = .list(values)
        if let counted = details.firstIndex(where: { $0.name == "distinct" }) { details[counted].value = .integer(values.count) }
    }
}

/// One field an alert is grouped by, and the group's value of it (empty when absent).
public struct GroupValue: Sendable, Equatable {
    public var field: String
    public var value: String

    public init(field: String, value: String) {
        self.field = field
        self.value = value
    }
}

/// The window of event time an alert counted over: `[start, end)`.
public struct AlertWindow: Sendable, Equatable {
    public var start: Timestamp
    public var end: Timestamp

    public init(start: Timestamp, end: Timestamp) {
        self.start = start
        self.end = end
    }
}

/// A rule-type detail of an alert: counts, thresholds, baselines, values seen, namespaces.
public struct AlertDetail: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case integer(Int)
        case number(Double)
        case list([String])
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

extension Alert {
    /// The alert as one line of JSON, keys in SPEC §4's order.
    public var json: String {
        // An alert is mostly its 20 evidence keys and fixed fields: about a kilobyte.
        var writer = JSONWriter(reservingCapacity: 1024 + events.reduce(0) { $0 + $1.utf8.count + 3 })
        write(to: &writer)
        return writer.string
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", id)
        writer.field("key", key)
        writer.field("rule", rule)
        writer.field("title", title)
        writer.field("severity", severity.rawValue)
        writer.field("status", "firing")
        writer.key("group")
        writer.beginObject()
        for value in group { writer.field(value.field, value.value) }
        writer.endObject()
        writer.field("count", count)
        writer.key("window")
        if let window {
            writer.beginObject()
            writer.field("start", window.start.rfc3339)
            writer.field("end", window.end.rfc3339)
            writer.endObject()
        } else {
            writer.value(nil as String?)
        }
        writer.field("first_seen", firstSeen.rfc3339)
        writer.field("last_seen", lastSeen.rfc3339)
        writer.field("summary", summary)
        writer.key("details")
        writer.beginObject()
        for detail in details {
            writer.key(detail.name)
            switch detail.value {
            case .text(let text): writer.value(text)
            case .integer(let number): writer.value(number)
            case .number(let number): writer.value(number)
            case .list(let items):
                writer.beginArray()
                for item in items { writer.value(item) }
                writer.endArray()
            }
        }
        writer.endObject()
        writer.key("events")
        writer.beginArray()
        for event in events { writer.value(event) }
        writer.endArray()
        writer.field("rule_file", ruleFile)
        writer.field("rule_sha256", ruleSHA256)
        writer.endObject()
    }
}
