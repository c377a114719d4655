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
