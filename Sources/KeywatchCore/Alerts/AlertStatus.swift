/// Where an alert stands, as its JSON's `status` says: Alertmanager's two states, so receivers
/// written for its webhooks read it as they read those.
public enum AlertStatus: String, Sendable, Equatable, CaseIterable {
    /// Raised, and its condition has not been seen to end.
    case firing
    /// Its condition ended (a silent group's events returned) at the alert's `resolved_at`.
    case resolved
}
