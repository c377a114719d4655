/// A rule type that raises an alert when a group it has seen goes quiet: `absence`.
///
/// The engine keeps each group's newest event, and when the clock passes it by the window and
/// `lateness` with nothing newer, raises the detector's finding and forgets the group.
protocol SilenceDetector: Detector {
    /// The alert for the group of `values`, silent since `since`.
    func finding(silentSince since: Timestamp, values: [String], rule: Rule) -> Finding
}

extension SilenceDetector {
    static var needsWindow: Bool { true }
}
