/// What a rule raised (docs/alerts.md): one JSON object printed by `--format json`, stored in `alerts`,
/// posted to webhooks and summarized in e-mails.
///
/// ``key`` is the same for the rule, group and window whichever way the events arrived — a
/// backfill and a live run over the same events give the same keys, and a receiver can
/// deduplicate by it. Later events of the same group and period join the alert: its ``count``,
/// ``lastSeen`` and ``events`` grow, its key stays.
///
/// An alert fires when raised; an `absence` alert resolves when its group's events return
/// (``resolvedAt``), as Alertmanager's alerts go from `firing` to `resolved`.
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
    /// When the condition ended, in event time: the first event of a silent group's return.
    /// Nil while the alert fires.
    public var resolvedAt: Timestamp?

    /// `firing`, or `resolved` once ``resolvedAt`` is set.
    public var status: AlertStatus { resolvedAt == nil ? .firing : .resolved }

    /// How many evidence event keys an alert carries.
    public static let evidenceLimit = 20

    /// A new alert of `rule`: its id derived from `key`, its rule's fields copied.
    public init(
        key: String, rule: Rule, group: [GroupValue], count: Int, window: AlertWindow?, firstSeen: Timestamp,
        lastSeen: Timestamp, summary: String, details: [AlertDetail], events: [String]
    ) {
        self.init(id: Self.id(forKey: key), key: key, rule: rule.id, title: rule.title, severity: rule.severity, group: group,
                  count: count, window: window, firstSeen: firstSeen, lastSeen: lastSeen, summary: summary, details: details,
                  events: events, ruleFile: rule.file, ruleSHA256: rule.fileSHA256)
    }

    /// An alert with every field given, as its JSON holds them (``init(json:)``): no rule is at
    /// hand there, and a stored alert's id may be its ``collisionID(forKey:)``.
    public init(
        id: String, key: String, rule: String, title: String, severity: Rule.Severity, group: [GroupValue], count: Int,
        window: AlertWindow?, firstSeen: Timestamp, lastSeen: Timestamp, summary: String, details: [AlertDetail],
        events: [String], ruleFile: String, ruleSHA256: String, resolvedAt: Timestamp? = nil
    ) {
        self.id = id
        self.key = key
        self.rule = rule
        self.title = title
        self.severity = severity
        self.group = group
        self.count = count
        self.window = window
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.summary = summary
        self.details = details
        self.events = events
        self.ruleFile = ruleFile
        self.ruleSHA256 = ruleSHA256
        self.resolvedAt = resolvedAt
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
