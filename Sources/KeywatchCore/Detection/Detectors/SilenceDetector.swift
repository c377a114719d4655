/// A rule type that raises an alert when a group it has seen goes quiet: `absence`.
///
/// The engine follows each group's rhythm — its events' count, first and newest time, the
/// longest gap between two (its window tally, see ``WindowTally/longestGap``) — and when the clock
/// passes its newest event by the window and `lateness` with nothing newer, asks the detector
/// whether that silence is telling, and raises its finding if so — once: the alert stays open
/// until the group's next event resolves it (``Alert/resolvedAt``), and the group's rhythm
/// starts again from that event. A group whose silence is not telling is forgotten.
protocol SilenceDetector: Detector {
    /// The alert for the group of `values`, silent since `since`; nil when its silence says
    /// nothing (a group too sparse to be missed).
    func finding(silentSince since: Timestamp, of group: GroupState, values: [String], rule: Rule) -> Finding?
}

extension SilenceDetector {
    static var needsWindow: Bool { true }
}
