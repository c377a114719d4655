/// How a rule finds the group of an event: by the string-table indices of its `group_by` fields
/// in the batch's cache, then by the values' content in the engine's memo, and only for a group
/// new to both by digesting its key.
extension RuleRunner {
    /// The `group_by` fields a batch cache can key (``slotFields``), or nil when it cannot.
    static func slotFields(of groupBy: [RuleField]) -> [NormalizedField]? {
        guard groupBy.count <= 4 else { return nil }
        var fields: [NormalizedField] = []
        for field in groupBy {
            guard case .normalized(let name) = field, BatchFields.kind(of: name) != .other else { return nil }
            fields.append(name)
        }
        return fields
    }

    /// The indices of the row's group fields, when all are fields of the string table or
    /// enumerated (up to four): an enumerated value is its case with the top bit set.
    private func slots(of row: UnsafePointer<EventRow>) -> BatchGroupCache.Slots? {
        guard let locations = slotLocations else { return nil }
        var slots = BatchGroupCache.Slots()
        for position in locations.indices {
            let location = locations[position]
            let number = location.number(in: row)
            let slot = location.isEnumerated ? 0x8000_0000 | number : number
            switch position {
            case 0: slots.a = slot
            case 1: slots.b = slot
            case 2: slots.c = slot
            default: slots.d = slot
            }
        }
        return slots
    }

    /// The identity of the event's group: from the batch's cache, the engine's memo, or made now.
    func group(of event: Arrival) -> GroupID {
        guard let fields = slotFields, let slots = slots(of: event.rowAddress) else {
            return identities.id(of: groupByValues(of: event))
        }
        if let known = groupCache.id(of: slots, batch: event.fields.batch.stringTableID) { return known }
        let id = identities.id(of: EventGroupValues(fields: fields, batch: event.fields, row: event.row))
        groupCache.insert(id, for: slots)
        return id
    }

    /// The values of an event's group, read from its batch.
    private struct EventGroupValues: GroupValueReader {
        let fields: [NormalizedField]
        let batch: BatchFields
        let row: EventRow

        var count: Int { fields.count }
        func contentHash(at position: Int) -> UInt64 { batch.contentHash(of: fields[position], in: row) }
        func isInstance(_ bits: (UInt64, UInt64), at position: Int) -> Bool { batch.isInstance(bits, fields[position], in: row) }
        func matches(_ remembered: String, at position: Int) -> Bool { batch.matches(remembered, fields[position], in: row) }
        func text(at position: Int) -> String { batch.text(of: fields[position], in: row) }
    }

    /// The values of the event's group: the event's own, read only when an alert or a kept key
    /// needs them.
    func groupByValues(of event: Arrival) -> [String] { rule.groupBy.map(event.text(of:)) }
}
