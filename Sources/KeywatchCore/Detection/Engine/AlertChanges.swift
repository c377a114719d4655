/// The changes of one step, one per alert key, in the order alerts were first touched; a
/// resolution follows its alert's raise or update, as a change of its own.
struct AlertChanges {
    private enum Entry {
        case latest(key: String)
        case resolution(Alert)
    }

    private var order: [Entry] = []
    private var latest: [String: (alert: Alert, raised: Bool)] = [:]

    mutating func raise(_ alert: Alert) {
        if latest[alert.key] == nil { order.append(.latest(key: alert.key)) }
        latest[alert.key] = (alert, true)
    }

    mutating func update(_ alert: Alert) {
        if let known = latest[alert.key] {
            latest[alert.key] = (alert, known.raised)
        } else {
            order.append(.latest(key: alert.key))
            latest[alert.key] = (alert, false)
        }
    }

    /// An alert raised earlier (in this step or before) that ended: sent again, as resolved.
    mutating func resolve(_ alert: Alert) {
        order.append(.resolution(alert))
    }

    var list: [AlertChange] {
        order.map { entry in
            switch entry {
            case .latest(let key):
                let entry = latest[key]!
                return entry.raised ? .raised(entry.alert) : .updated(entry.alert)
            case .resolution(let alert):
                return .resolved(alert)
            }
        }
    }
}
