/// What detection did to alerts in one step.
public enum AlertChange: Sendable, Equatable {
    /// A new alert: store it (once: a replay raises the same key again) and send it.
    case raised(Alert)
    /// Events joined an alert raised earlier: store its new count, last-seen time and evidence;
    /// send nothing.
    case updated(Alert)
    /// An alert raised earlier ended (``Alert/resolvedAt`` set: a silent group's events
    /// returned): store it as resolved and send it again, so that every sink that heard of it
    /// hears that it is over.
    case resolved(Alert)

    public var alert: Alert {
        switch self {
        case .raised(let alert), .updated(let alert), .resolved(let alert): return alert
        }
    }
}
