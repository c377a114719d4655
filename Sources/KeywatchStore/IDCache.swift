/// Ids of values the store holds. Values added in the current transaction are remembered apart
/// until it commits, so a rolled-back id is never reused; bounded, emptied when full.
struct IDCache {
    private var ids: [String: Int64] = [:]
    private var pending: [String] = []
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    subscript(value: String) -> Int64? {
        ids[value]
    }

    mutating func add(_ value: String, _ id: Int64) {
        ids[value] = id
        pending.append(value)
    }

    mutating func commit() {
        pending.removeAll(keepingCapacity: true)
        if ids.count > limit { ids.removeAll(keepingCapacity: true) }
    }

    mutating func rollback() {
        for value in pending { ids[value] = nil }
        pending.removeAll(keepingCapacity: true)
    }
}
