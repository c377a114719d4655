/// The last event a rule did not count because it came too late for its window: what an operator
/// needs to see in the log beside the count.
public struct LateEvent: Sendable, Equatable {
    /// The group, as summaries name it (`principal=arn:…`).
    public var group: String
    /// When the event happened.
    public var time: Timestamp
    /// How far it was behind its group's newest event.
    public var behind: EventDuration
}
