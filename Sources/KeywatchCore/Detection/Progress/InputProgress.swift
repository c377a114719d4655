/// How far one input of the daemon (a tailed directory, the push endpoint) has delivered events.
public struct InputProgress: Sendable, Equatable {
    /// The newest event time the input delivered; nil before its first event.
    public var newest: Timestamp?
    /// When (wall clock) the input last delivered an event.
    public var deliveredAt: Timestamp?
    /// Whether the input has nothing more to deliver now: every file read to its end, nothing
    /// waiting for the writer. Not kept across restarts: an input is behind until it says otherwise.
    public var caughtUp: Bool

    public init(newest: Timestamp? = nil, deliveredAt: Timestamp? = nil, caughtUp: Bool = false) {
        self.newest = newest
        self.deliveredAt = deliveredAt
        self.caughtUp = caughtUp
    }
}
