/// Counters an operator needs: live groups against the cap, events too late or over the cap.
public struct DetectionReport: Sendable, Equatable {
    public struct RuleCounts: Sendable, Equatable {
        public var rule: String
        public var liveGroups: Int
        /// Events older than the rule's `lateness` behind their group's newest event: not counted.
        public var late: Int
        /// Events not counted because the group cap (or the first-seen cap) was reached.
        public var refused: Int
        public var seenCombinations: Int
        /// The last event not counted for lateness since this engine started.
        public var lastLate: LateEvent?
    }

    public var clock: Timestamp?
    public var liveGroups: Int
    public var maximumGroups: Int
    public var rules: [RuleCounts]

    /// True when some events were not counted because a cap was reached.
    public var capReached: Bool { rules.contains { $0.refused > 0 } }
}
