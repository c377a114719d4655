/// The event a detector considers: its time, key and fields, read where the batch holds them.
///
/// One view serves a whole batch; the engine points it at each event in turn. A class, so that
/// handing it to each rule passes a reference, not a copy of the row (170 bytes) and the batch's
/// fields. Used by the engine's thread only, and only while the engine works on the batch (hence
/// no exclusivity checks).
final class EventView {
    /// The event's row where the batch holds it, read in place rather than copied for each rule.
    @exclusivity(unchecked) var rowAddress: UnsafePointer<EventRow>
    let fields: BatchFields
    /// The raw record's values a rule reads as `raw.<path>`, parsed when a rule that reads them
    /// counts the event.
    @exclusivity(unchecked) var raw: RawFields?
    /// The latest time an event may move its group's clock to: the wall clock and
    /// ``DetectionLimits/futureTolerance`` when there is one. An event dated later still counts
    /// in its own window, but does not make the group's real events late.
    let latestGroupClock: Timestamp

    init(rowAddress: UnsafePointer<EventRow>, fields: BatchFields, latestGroupClock: Timestamp = Timestamp(microseconds: .max)) {
        self.rowAddress = rowAddress
        self.fields = fields
        self.latestGroupClock = latestGroupClock
    }

    var row: EventRow {
        unsafeAddress { rowAddress }
    }

    /// The event's key, which alerts list as evidence.
    var key: String { fields.key(of: row) }
    /// When the event happened.
    var time: Timestamp { row.time }
    var outcome: Outcome { row.outcome }
    /// The time the event moves its group's clock to.
    var groupClockTime: Timestamp { min(row.time, latestGroupClock) }

    /// A normalized field's value as text; absent is empty.
    func text(of field: NormalizedField) -> String { fields.text(of: field, in: row) }

    /// A rule field's value as text (a `raw.<path>` one from the parsed record); absent is empty,
    /// a derived list its elements joined by commas.
    func text(of field: RuleField) -> String { fields.text(of: field, in: row, raw: raw) }

    /// A rule field's value, as conditions compare it.
    func value(of field: RuleField) -> FieldValue {
        fields.value(of: field, in: row, raw: raw)
    }
}
