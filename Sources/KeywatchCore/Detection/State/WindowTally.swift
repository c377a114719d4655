/// A window's events for one group.
///
/// Laid out for size, as a million live groups each hold one: the count in four bytes (it
/// saturates at four billion) beside the flag, so a group's state takes 88 bytes, not 96.
struct WindowTally: Sendable {
    var bucket: Int64
    var first: Timestamp
    var last: Timestamp
    /// Keys of the first events, up to what an alert shows.
    var evidence: [String]
    /// Values the detector collects (`distinct`: the values seen), up to ``valuesKept``.
    var values: Set<String>
    private var storedCount: UInt32
    var fired: Bool

    init(bucket: Int64, count: Int, first: Timestamp, last: Timestamp, evidence: [String] = [],
         values: Set<String> = [], fired: Bool = false) {
        self.bucket = bucket
        self.first = first
        self.last = last
        self.evidence = evidence
        self.values = values
        self.fired = fired
        storedCount = UInt32(clamping: count)
    }

    /// A silence group's record of its rhythm (it counts in no window): ``count`` events from
    /// ``first`` to ``last``, the newest one's key as evidence, and the longest gap between two
    /// of them, kept where a window keeps its bucket.
    var longestGap: EventDuration {
        get { EventDuration(microseconds: bucket) }
        set { bucket = newValue.microseconds }
    }

    /// Counts the newest event of a silence group, keeping the evidence array's storage.
    mutating func follow(at time: Timestamp, evidence key: String) {
        if time.microseconds - last.microseconds > bucket { bucket = time.microseconds - last.microseconds }
        count += 1
        last = time
        evidence.removeAll(keepingCapacity: true)
        evidence.append(key)
    }

    /// How many collected values a window keeps (for the alert's details), beyond any threshold.
    static let valuesKept = 100

    /// Events counted in the window.
    var count: Int {
        get { Int(storedCount) }
        set { storedCount = UInt32(clamping: newValue) }
    }
}
