/// A rule type that counts a group's events in windows of event time and says when a window
/// fires: `threshold`, `distinct`, `spike`.
///
/// The engine keeps each group's open windows — count, first and last time, evidence, collected
/// values — and closes them as the group's own clock passes their end plus `lateness`. A window
/// fires at most once; later events of it join its alert.
protocol WindowDetector: Detector {
    /// Whether `window` of `group`, which has just counted `event`, fires, and what its alert
    /// says; nil when it does not (yet). Asked after every event counted until it fires: counts
    /// only grow.
    func finding(in window: WindowTally, of group: GroupState, event: EventView, rule: Rule) -> Finding?

    /// The value of `event` its window collects (`distinct`: the field whose distinct values
    /// count); nil for none. The engine keeps up to ``WindowTally/valuesKept`` of them. An empty
    /// value means the event has none: it moves its group's clock but is not counted.
    func collectedValue(of event: EventView) -> String?

    /// From which count on a window keeps its events' keys as evidence: the last ones before it
    /// can fire and the first after. Most windows never come near firing; a million of them
    /// holding twenty keys each would hold a gigabyte.
    var evidenceFrom: Int { get }

    /// How much of a group's past its closed windows' counts are kept for (`spike`: the baseline);
    /// nil keeps none.
    var history: EventDuration? { get }
}

extension WindowDetector {
    static var needsWindow: Bool { true }
    func collectedValue(of event: EventView) -> String? { nil }
    var evidenceFrom: Int { 0 }
    var history: EventDuration? { nil }
}
