/// A rule's live groups by id.
///
/// A dictionary of `GroupState`s would keep them in its own storage, which grows by doubling
/// and is at most three-quarters full: a million groups held 112 MB there, and 168 MB while it
/// grew. Here the states sit in pages of a fixed size that never move, with each group's id in a
/// parallel page; freed slots are reused, and ``GroupSlotIndex`` finds a slot by id.
struct GroupTable: Sendable, Sequence {
    private var index = GroupSlotIndex()
    private var pages: [[GroupState]] = []
    private var idPages: [[GroupID]] = []
    private var freeSlots: [Slot] = []

    private static let pageShift = 12
    private static let pageSize = 1 << pageShift

    var count: Int { index.count }

    mutating func reserveCapacity(_ count: Int) {
        let ids = idPages
        index.reserveCapacity(count) { Self.id(at: $0, in: ids) }
    }

    subscript(id: GroupID) -> GroupState? {
        get {
            slot(of: id).map { pages[Self.page($0)][Self.offset($0)] }
        }
        set {
            if let newValue {
                if let slot = slot(of: id) {
                    update(slot) { $0 = newValue }
                } else {
                    _ = insert(newValue, for: id)
                }
            } else if let slot = removeFromIndex(id) {
                // The placeholder lets go of the state's arrays.
                update(slot) { $0 = Self.vacant }
                freeSlots.append(slot)
            }
        }
    }

    /// Where a group's state lives in the table; valid until the group is removed.
    typealias Slot = UInt32

    /// The slot of group `id`, if it is live.
    func slot(of id: GroupID) -> Slot? { index.slot(of: id) { Self.id(at: $0, in: idPages) } }

    /// The id and state of the group at `slot`, if one lives there.
    func group(at slot: Slot) -> (id: GroupID, state: GroupState)? {
        let id = Self.id(at: slot, in: idPages)
        guard self.slot(of: id) == slot else { return nil }
        return (id, pages[Self.page(slot)][Self.offset(slot)])
    }

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

    /// The id kept at `slot`. The index reads ids through a copy of the pages' array (a
    /// reference, not the ids), never through `self`, whose index it is changing.
    @inline(__always)
    private static func id(at slot: Slot, in idPages: [[GroupID]]) -> GroupID { idPages[page(slot)][offset(slot)] }

    private mutating func removeFromIndex(_ id: GroupID) -> Slot? {
        let ids = idPages
        return index.remove(id) { Self.id(at: $0, in: ids) }
    }

    private static func page(_ slot: Slot) -> Int { Int(slot) >> pageShift }
    private static func offset(_ slot: Slot) -> Int { Int(slot) & (pageSize - 1) }

    private static let vacant = GroupState(at: Timestamp(microseconds: 0))

    private mutating func take(for id: GroupID) -> Slot {
        let slot: Slot
        if let free = freeSlots.popLast() {
            slot = free
            idPages[Self.page(slot)][Self.offset(slot)] = id
        } else {
            if pages.last.map({ $0.count == Self.pageSize }) ?? true {
                var page: [GroupState] = []
                page.reserveCapacity(Self.pageSize)
                pages.append(page)
                var ids: [GroupID] = []
                ids.reserveCapacity(Self.pageSize)
                idPages.append(ids)
            }
            slot = Slot((pages.count - 1) << Self.pageShift | pages[pages.count - 1].count)
            pages[pages.count - 1].append(Self.vacant)
            idPages[idPages.count - 1].append(id)
        }
        let ids = idPages
        index.insert(slot, for: id) { Self.id(at: $0, in: ids) }
        return slot
    }

    func makeIterator() -> Iterator {
        Iterator(slots: index.slots.makeIterator(), pages: pages, idPages: idPages)
    }

    struct Iterator: IteratorProtocol {
        fileprivate var slots: GroupSlotIndex.Slots.Iterator
        fileprivate let pages: [[GroupState]]
        fileprivate let idPages: [[GroupID]]

        mutating func next() -> (slot: Slot, id: GroupID, state: GroupState)? {
            guard let slot = slots.next() else { return nil }
            let (page, offset) = (GroupTable.page(slot), GroupTable.offset(slot))
            return (slot, idPages[page][offset], pages[page][offset])
        }
    }
}
