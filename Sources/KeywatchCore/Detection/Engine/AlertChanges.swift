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
