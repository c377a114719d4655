/// Finds the identity of an event's group: by the string-table indices of its `group_by` fields
/// in the batch's cache, then by the values' content in the engine's memo, and only for a group
/// new to both by digesting its key.
///
/// One per engine: rules of the same `group_by` share a batch cache (a principal met by two rules
/// is looked up once), and all rules share the memo, as a group's identity depends on its values
/// alone. Used by the engine's thread only.
final class GroupResolver {
    private let identities: GroupIdentityMemo
    private var caches: [[String]: BatchGroupCache] = [:]

    /// - Parameter identify: the identity of a key (see ``GroupIdentityMemo/init(capacity:identify:)``).
    init(identify: @escaping (String) -> GroupID = GroupKey.id) {
        identities = GroupIdentityMemo(identify: identify)
    }

    /// A rule's `group_by`, prepared for look-ups. A class, so that handing it to each look-up
    /// retains none of its arrays.
    final class Grouping {
        let fields: [RuleField]
        /// Whether the batch's cache can key the fields: up to four, each in the string table or
        /// enumerated, or a pure derivation of one (``RuleField/decidedByNormalizedField``)…
        fileprivate let isCached: Bool
        /// …and then the fields as such, and where a row holds the values that decide them.
        fileprivate let cached: [RuleField]
        fileprivate let locations: [RowFieldLocation]
        /// Whether any of them is derived.
        fileprivate let hasDerived: Bool
        /// The batch cache of the rules of this `group_by`.
        fileprivate let cache: BatchGroupCache

        fileprivate init(fields: [RuleField], cached: [RuleField]?, cache: BatchGroupCache) {
            self.fields = fields
            isCached = cached != nil
            self.cached = cached ?? []
            locations = (cached ?? []).map { RowFieldLocation($0.decidedByNormalizedField!)! }
            hasDerived = (cached ?? []).contains { if case .derived = $0 { true } else { false } }
            self.cache = cache
        }

        /// Here rather than in the resolver: read through `self`, the arrays are not retained per look-up.
        fileprivate func id(of event: EventView, identities: GroupIdentityMemo) -> GroupID {
            guard isCached else { return identities.id(of: fields.map(event.text(of:))) }
            let numbers = GroupResolver.numbers(of: event.rowAddress, at: locations)
            if let known = cache.id(of: numbers, batch: event.fields.batch.stringTableID) { return known }
            let id = identities.id(of: EventGroupValues(fields: cached, batch: event.fields, row: event.row, derived: hasDerived))
            cache.insert(id, for: numbers)
            return id
        }
    }

    /// Prepares `fields` for ``id(of:groupBy:)``.
    func grouping(_ fields: [RuleField]) -> Grouping {
        let name = fields.map(\.description)
        let cache = caches[name, default: BatchGroupCache()]
        caches[name] = cache
        return Grouping(fields: fields, cached: Self.cacheableFields(fields), cache: cache)
    }

    /// The identity of the group of `event` by `groupBy`.
    func id(of event: EventView, groupBy: Grouping) -> GroupID {
        groupBy.id(of: event, identities: identities)
    }

    private static func cacheableFields(_ groupBy: [RuleField]) -> [RuleField]? {
        guard groupBy.count <= 4 else { return nil }
        for field in groupBy {
            guard let decidedBy = field.decidedByNormalizedField, RowFieldLocation(decidedBy) != nil else { return nil }
        }
        return groupBy
    }

    /// The numbers of the row's group fields: an enumerated value is its case with the top bit set.
    fileprivate static func numbers(of row: UnsafePointer<EventRow>, at locations: [RowFieldLocation]) -> BatchGroupCache.FieldNumbers {
        var numbers = BatchGroupCache.FieldNumbers()
        for position in locations.indices {
            let location = locations[position]
            let number = location.number(in: row)
            let field = location.isEnumerated ? 0x8000_0000 | number : number
            switch position {
            case 0: numbers.a = field
            case 1: numbers.b = field
            case 2: numbers.c = field
            default: numbers.d = field
            }
        }
        return numbers
    }

    /// The values of an event's group, read from its batch: a normalized field where the batch
    /// holds it, a derived one as derived.
    fileprivate struct EventGroupValues: GroupValueReader {
        let fields: [RuleField]
        let batch: BatchFields
        let row: EventRow
        /// The derived fields' texts, derived once (nil at a normalized field's position).
        private let derived: [String?]

        init(fields: [RuleField], batch: BatchFields, row: EventRow, derived: Bool) {
            self.fields = fields
            self.batch = batch
            self.row = row
            self.derived = derived ? fields.map { field in
                if case .normalized = field { return nil }
                return batch.text(of: field, in: row, raw: nil)
            } : []
        }

        var count: Int { fields.count }

        func contentHash(at position: Int) -> UInt64 {
            guard case .normalized(let field) = fields[position] else { return ContentHash.of(derived[position]!) }
            return batch.contentHash(of: field, in: row)
        }

        func isInstance(_ bits: (UInt64, UInt64), at position: Int) -> Bool {
            guard case .normalized(let field) = fields[position] else { return false }
            return batch.isInstance(bits, field, in: row)
        }

        func matches(_ remembered: String, at position: Int) -> Bool {
            guard case .normalized(let field) = fields[position] else { return remembered == derived[position]! }
            return batch.matches(remembered, field, in: row)
        }

        func text(at position: Int) -> String {
            guard case .normalized(let field) = fields[position] else { return derived[position]! }
            return batch.text(of: field, in: row)
        }
    }
}
