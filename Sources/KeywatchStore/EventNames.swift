import KeywatchCore

/// The names events give their principals and resources, as the store's `event_names` table keeps
/// them: `principal_name` → `principal` and `object_name` → `resource`, pairs of string ids.
///
/// The tables `keywatch query` prints show names (`checkout-irsa`, `db-password`), and an
/// investigator types what the table shows; but only the principal and resource columns are
/// indexed. Through this small table a name becomes the principals or resources that carry it,
/// which the indexes then find — whichever way the name is also used elsewhere (a principal that
/// is itself some other event's name hides nothing).
enum EventNames {
    enum Kind: Int64 {
        /// `principal_name` of `principal`.
        case principal = 0
        /// `object_name` of `resource`.
        case resource = 1
    }

    /// One name of one principal or resource, by string ids.
    struct Pair: Hashable {
        var kind: Kind
        var name: Int64
        var value: Int64
    }

    /// The pairs the writer knows are stored, so a batch inserts only the new ones. Pairs added
    /// in the current transaction are kept apart until it commits; bounded, emptied when full (a
    /// hostile stream of names costs re-inserts, not memory).
    struct Cache {
        private var stored: Set<Pair> = []
        private var pending: Set<Pair> = []
        let limit: Int

        init(limit: Int) {
            self.limit = limit
        }

        /// Whether `pair` may not be stored yet; remembers it as pending.
        mutating func isNew(_ pair: Pair) -> Bool {
            !stored.contains(pair) && pending.insert(pair).inserted
        }

        mutating func commit() {
            if stored.count + pending.count > limit { stored.removeAll(keepingCapacity: true) }
            stored.formUnion(pending)
            pending.removeAll(keepingCapacity: true)
        }

        mutating func rollback() {
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Whether the store keeps names: one an older keywatch wrote, and no writer has opened since
    /// (which would upgrade it), does not.
    static func areKept(in connection: SQLiteConnection) throws -> Bool {
        try connection.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'event_names'") == 1
    }

    /// The ids of the principals (or resources) whose events carry one of the names `names`.
    static func values(named names: [Int64], kind: Kind, in connection: SQLiteConnection) throws -> [Int64] {
        guard !names.isEmpty else { return [] }
        let statement = try connection.prepare(
            "SELECT DISTINCT value FROM event_names WHERE kind = \(kind.rawValue) AND name IN (\(names.map(String.init).joined(separator: ", ")))")
        var values: [Int64] = []
        while try statement.step() { values.append(statement.int64(0)) }
        return values
    }
}
