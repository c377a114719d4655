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

/// A closed window's count, kept as history (`spike`: the baseline).
struct BucketCount: Sendable, Equatable {
    var bucket: Int64
    var count: Int
}

extension GroupState {
    /// Events of the group's windows in `buckets`, closed (``history``) or still open.
    func count(inBuckets buckets: Range<Int64>) -> Int {
        history.reduce(0) { buckets.contains($1.bucket) ? $0 + $1.count : $0 }
            + windows.reduce(0) { buckets.contains($1.bucket) ? $0 + $1.count : $0 }
    }
}
