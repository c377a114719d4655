/// Alerts as the store keeps them, for runs that store nothing (backtests, rule tests): a
/// raised alert is added once, in the order raised; an update or a resolution replaces the
/// alert of its key.
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
            case .updated(let alert), .resolved(let alert):
                if let position = positions[alert.key] { alerts[position] = alert }
            }
        }
    }
}
