/// One rule's state.
struct RuleState: Sendable {
    /// The rule's identity and file digest: state of an edited rule is not carried over.
    var fingerprint: String
    var groups = GroupTable()
    /// `absence`: the key of each group, for the alert raised when no event of it is at hand.
    var keys: [GroupID: String] = [:]
    /// What the rule's detector has learned (`first_seen`, `change`).
    var memory = RuleMemory()
    /// When groups are due for a look (eviction, absence): minute → groups.
    var due = DueQueue()
    /// Events dropped for arriving later than `lateness`…
    var late = 0
    /// …the last of them (not stored: for the log of the process that met it)…
    var lastLate: LateEvent?
    /// …and for the group cap.
    var refused = 0

    init(fingerprint: String) {
        self.fingerprint = fingerprint
    }
}
