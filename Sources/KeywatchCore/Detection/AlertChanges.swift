/// What detection did to alerts in one step.
public enum AlertChange: Sendable, Equatable {
    /// A new alert: store it (once: a replay raises the same key again) and send it.
    case raised(Alert)
    /// Events joined an alert raised earlier: store its new count, last-seen time and evidence;
    /// send nothing.
    case updated(Alert)

    public var alert: Alert {
        switch self {
        case .raised(let alert), .updated(let alert): return alert
        }
    }
}

/// Alerts as the store keeps them, for runs that store nothing (backtests, rule tests): a
/// raised alert is added once, in the order raised; an update replaces the alert of its key.
public struct AlertLedger: Sendable {
    /// The alerts in the order they were raised.
    public private(set) var alerts: [Alert] = []
    private var positions: [String: Int] = [:]

    public init() {}

    public mutating func apply(_ changes: [AlertChange]) {
        for change in changes {
            switch change {
            case .raised(let alert):
                guard positions[alert.key] == nil else { continue }
                positions[alert.key] = alerts.count
                alerts.append(alert)
            case .updated(let alert):
                if let position = positions[alert.key] { alerts[position] = alert }
            }
        }
    }
}

/// The changes of one step, one per alert key, in the order alerts were first touched.
struct AlertChanges {
    private var order: [String] = []
    private var latest: [String: (alert: Alert, raised: Bool)] = [:]

    mutating func raise(_ alert: Alert) {
        if latest[alert.key] == nil { order.append(alert.key) }
        latest[alert.key] = (alert, true)
    }

    mutating func update(_ alert: Alert) {
        if let known = latest[alert.key] {
            latest[alert.key] = (alert, known.raised)
        } else {
            order.append(alert.key)
            latest[alert.key] = (alert, false)
        }
    }

    var list: [AlertChange] {
        order.map { key in
            let entry = latest[key]!
            return entry.raised ? .raised(entry.alert) : .updated(entry.alert)
        }
    }
}
