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
