/// A group's open windows, oldest first.
///
/// Nearly every group has exactly one open window — more are open only while late events may
/// still land in a previous one. An array of one window is a heap allocation of about a hundred
/// bytes per group; with a million live groups that was the largest part of detection's memory.
/// The oldest window therefore lives inline, and only the others in an array.
struct WindowList: Sendable, RandomAccessCollection, MutableCollection, ExpressibleByArrayLiteral {
    /// The windows after the oldest. (Before ``head``, so that the group's state, which ends with
    /// this list, packs the window's last bytes without padding.)
    private var tail: [WindowTally] = []
    /// The oldest window; nil only when the list is empty.
    private var head: WindowTally?

    init() {}

    init(arrayLiteral windows: WindowTally...) {
        for window in windows { append(window) }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { head == nil ? 0 : tail.count + 1 }

    subscript(position: Int) -> WindowTally {
        get {
            precondition(position >= 0 && position < endIndex, "window index out of range")
            return position == 0 ? head! : tail[position - 1]
        }
        _modify {
            precondition(position >= 0 && position < endIndex, "window index out of range")
            if position == 0 {
                yield &head!
            } else {
                yield &tail[position - 1]
            }
        }
    }

    /// Where the window of `bucket` is, or where it goes when there is none (windows are kept in
    /// bucket order). Reads buckets in place: the subscript hands out a copy of a window, which
    /// retains and releases its evidence and values, and this runs for every event counted.
    func position(ofBucket bucket: Int64) -> (position: Int, found: Bool) {
        guard let oldest = head?.bucket else { return (0, false) }
        if bucket <= oldest { return (0, bucket == oldest) }
        var index = 0
        while index < tail.count {
            let candidate = tail[index].bucket
            if bucket <= candidate { return (index + 1, bucket == candidate) }
            index += 1
        }
        return (tail.count + 1, false)
    }

    /// The oldest window's bucket and count, read in place.
    var oldest: (bucket: Int64, count: Int)? {
        guard let bucket = head?.bucket, let count = head?.count else { return nil }
        return (bucket, count)
    }

    /// Runs `body` on the window at `position` where it lives.
    mutating func update<Result>(_ position: Int, _ body: (inout WindowTally) -> Result) -> Result {
        precondition(position >= 0 && position < endIndex, "window index out of range")
        return position == 0 ? body(&head!) : body(&tail[position - 1])
    }

    mutating func append(_ window: WindowTally) {
        insert(window, at: endIndex)
    }

    mutating func insert(_ window: WindowTally, at position: Int) {
        precondition(position >= 0 && position <= endIndex, "window index out of range")
        guard let oldest = head else {
            head = window
            return
        }
        if position == 0 {
            tail.insert(oldest, at: 0)
            head = window
        } else {
            tail.insert(window, at: position - 1)
        }
    }

    /// Removes the oldest window (the list must not be empty).
    mutating func removeFirst() {
        precondition(head != nil, "no window to remove")
        head = tail.isEmpty ? nil : tail.removeFirst()
    }
}
