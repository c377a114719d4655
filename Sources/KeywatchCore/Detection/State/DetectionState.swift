/// Everything detection remembers between batches: per rule, the live groups (open windows,
/// spike histories, last-seen times, the alert a group's events currently join), first-seen sets,
/// and the clock of event time. The store keeps it (``DetectionEngine/snapshot()``) so a
/// restart resumes where the last commit left off.
public struct DetectionState: Sendable {
    /// The newest event time seen, not counting events from the future (beyond the caller's `now`).
    public internal(set) var clock: Timestamp?
    var rules: [String: RuleState] = [:]

    public init() {}

    /// Live groups over every rule.
    public var liveGroups: Int { rules.values.reduce(0) { $0 + $1.groups.count } }
}

/// One rule's state.
struct RuleState: Sendable {
    /// The rule's identity and file digest: state of an edited rule is not carried over.
    var fingerprint: String
    var groups = GroupTable()
    /// `absence`: the key of each group, for the alert raised when no event of it is at hand.
    var keys: [GroupID: String] = [:]
    /// `first_seen`: digests of the combinations seen, and when learning began.
    var seen: Set<UInt64> = []
    var learningSince: Timestamp?
    /// When groups are due for a look (eviction, absence): minute → groups.
    var due = DueQueue()
    /// Events dropped for arriving later than `lateness`, and for the group cap.
    var late = 0
    var refused = 0

    init(fingerprint: String) {
        self.fingerprint = fingerprint
    }
}

/// A group of a rule: its own clock of event time, its open windows, and the alert it joins.
///
/// Each group keeps its own clock — the newest event time of its own events — for lateness and
/// for closing its windows. A backfill reads a Key Vault blob of a whole hour before the
/// CloudTrail files of that hour; a live run sees them interleaved. A group's events come from
/// one stream in the same order either way, so per-group clocks make the two runs agree.
struct GroupState: Sendable {
    var newest: Timestamp
    /// The group's first event (spike: a baseline needs a full span of history).
    var since: Timestamp
    /// `spike`: counts of closed windows within the baseline span, oldest first.
    var history: [BucketCount] = []
    /// The alert later events of the same window or suppression period join (at most one).
    var open: [OpenAlert] = []
    /// Windows still accepting events, oldest first.
    var windows = WindowList()

    init(at time: Timestamp) {
        newest = time
        since = time
    }
}

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
    /// `distinct`: the values seen (up to a bound).
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

    /// Makes this the window of bucket 0 holding one event (`absence`: the newest), keeping the
    /// evidence array's storage.
    mutating func restart(at time: Timestamp, evidence key: String) {
        bucket = 0
        count = 1
        first = time
        last = time
        evidence.removeAll(keepingCapacity: true)
        evidence.append(key)
        if !values.isEmpty { values = [] }
        fired = false
    }

    /// Events counted in the window.
    var count: Int {
        get { Int(storedCount) }
        set { storedCount = UInt32(clamping: newValue) }
    }
}

struct BucketCount: Sendable, Equatable {
    var bucket: Int64
    var count: Int
}

/// An alert that a group's later events join, and the slot (window or suppression period) it covers.
struct OpenAlert: Sendable {
    var slot: Int64
    var alert: Alert
}

/// Groups by the minute they are next due for a look. Looking is lazy: a group taken in
/// its minute but not yet due, or due again later, is put back.
///
/// The queue holds slots of the rule's ``GroupTable`` (four bytes), not ids (sixteen): a live
/// group is in the queue exactly once, and leaves the table only when its entry is taken, so an
/// entry never outlives its group and a reused slot is never named twice.
struct DueQueue: Sendable {
    private(set) var minutes: [Int64: [GroupTable.Slot]] = [:]
    private var earliest = Int64.max

    static let granularity: Int64 = 60_000_000

    var isEmpty: Bool { minutes.isEmpty }

    mutating func add(_ group: GroupTable.Slot, at time: Timestamp) {
        let minute = floorDivide(time.microseconds, Self.granularity)
        minutes[minute, default: []].append(group)
        earliest = min(earliest, minute)
    }

    /// Removes and returns the groups due at or before `time`.
    mutating func takeDue(at time: Timestamp) -> [GroupTable.Slot] {
        let now = floorDivide(time.microseconds, Self.granularity)
        guard earliest <= now else { return [] }
        var groups: [GroupTable.Slot] = []
        for minute in minutes.keys.sorted() where minute <= now {
            groups += minutes.removeValue(forKey: minute)!
        }
        earliest = minutes.keys.min() ?? .max
        return groups
    }
}
