/// Limits on what detection keeps in memory.
public struct DetectionLimits: Sendable, Equatable {
    /// Live groups over all rules; a new group beyond it is not counted (and reported).
    public var maximumGroups: Int
    /// Combinations a `first_seen` rule remembers, and groups whose values a `change` rule remembers;
    /// beyond it, nothing new is learned (and reported).
    public var maximumSeenCombinations: Int
    /// How far past `now` an event's time may be and still move the clock: a record from the
    /// future must not close everyone's windows.
    public var futureTolerance: EventDuration
    /// How long a quiet group is kept after its windows close. A backfill reads an hour-long
    /// Key Vault blob before the CloudTrail files of the same hour, so the clock runs up to an
    /// hour ahead of a group that is still receiving events.
    public var idleHorizon: EventDuration

    public init(maximumGroups: Int = 2_000_000, maximumSeenCombinations: Int = 5_000_000,
                futureTolerance: EventDuration = .minutes(5), idleHorizon: EventDuration = .hours(1)) {
        self.maximumGroups = maximumGroups
        self.maximumSeenCombinations = maximumSeenCombinations
        self.futureTolerance = futureTolerance
        self.idleHorizon = idleHorizon
    }
}
