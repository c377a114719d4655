/// A rule's live groups by id.
///
/// A dictionary of `GroupState`s would keep them in its own storage, which grows by doubling
/// and is at most three-quarters full: a million groups held 112 MB there, and 168 MB while it
/// grew. Here the dictionary maps an id to a slot (four bytes), and the states sit in pages of a
/// fixed size that never move; freed slots are reused.
struct GroupTable: Sendable, Sequence {
    private var slots: [GroupID: Slot] = [:]
    private var pages: [[GroupState]] = []
    private var freeSlots: [Slot] = []

    private static let pageShift = 12
    private static let pageSize = 1 << pageShift

    var count: Int { slots.count }

    mutating func reserveCapacity(_ count: Int) {
        slots.reserveCapacity(count)
    }

    subscript(id: GroupID) -> GroupState? {
        get {
            slots[id].map { pages[Self.page($0)][Self.offset($0)] }
        }
        set {
            if let newValue {
                if let slot = slots[id] {
                    update(slot) { $0 = newValue }
                } else {
                    _ = insert(newValue, for: id)
                }
            } else if let slot = slots.removeValue(forKey: id) {
                // The placeholder lets go of the state's arrays.
                update(slot) { $0 = Self.vacant }
                freeSlots.append(slot)
            }
        }
    }

    /// Where a group's state lives in the table; valid until the group is removed.
    typealias Slot = UInt32

    /// The slot of group `id`, if it is live.
    func slot(of id: GroupID) -> Slot? { slots[id] }

    /// Adds group `id` (which must not be live) with `state`.
    mutating func insert(_ state: GroupState, for id: GroupID) -> Slot {
        let slot = take(for: id)
        update(slot) { $0 = state }
        return slot
    }

    /// Runs `body` on the state at `slot` where it lives: a group's windows and evidence are not
    /// copied on every event, as they are when a state is read out, changed and written back.
    mutating func update<Result>(_ slot: Slot, _ body: (inout GroupState) -> Result) -> Result {
        body(&pages[Self.page(slot)][Self.offset(slot)])
    }

    private static func page(_ slot: Slot) -> Int { Int(slot) >> pageShift }
    private static func offset(_ slot: Slot) -> Int { Int(slot) & (pageSize - 1) }

    private static let vacant = GroupState(at: Timestamp(microseconds: 0))

    private mutating func take(for id: GroupID) -> Slot {
        let slot: Slot
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            if pages.last.map({ $0.count == Self.pageSize }) ?? true {
                var page: [GroupState] = []
                page.reserveCapacity(Self.pageSize)
                pages.append(page)
            }
            slot = Slot((pages.count - 1) << Self.pageShift | pages[pages.count - 1].count)
            pages[pages.count - 1].append(Self.vacant)
        }
        slots[id] = slot
        return slot
    }

    func makeIterator() -> Iterator {
        Iterator(slots: slots.makeIterator(), pages: pages)
    }

    struct Iterator: IteratorProtocol {
        fileprivate var slots: Dictionary<GroupID, Slot>.Iterator
        fileprivate let pages: [[GroupState]]

        mutating func next() -> (id: GroupID, state: GroupState)? {
            guard let (id, slot) = slots.next() else { return nil }
            return (id, pages[GroupTable.page(slot)][GroupTable.offset(slot)])
        }
    }
}
