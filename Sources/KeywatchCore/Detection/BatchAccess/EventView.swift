extension RuleRunner {
    /// What an event brings to the rules: one per batch, its row and raw fields replaced for each
    /// event. A class, so that handing it to each rule passes a reference: as a struct, each
    /// rule's call and closure copied the row (170 bytes) and retained the batch's fields.
    /// Used by the engine's thread only (hence no exclusivity checks).
    final class Arrival {
        /// The event's row where the batch holds it, read in place: a copy per rule cost a
        /// tenth of detection's time in `memmove`. Valid while the engine works on the batch.
        @exclusivity(unchecked) var rowAddress: UnsafePointer<EventRow>
        let fields: BatchFields
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

        var key: String { fields.key(of: row) }
        var time: Timestamp { row.time }
        /// The time the event moves its group's clock to.
        var groupClockTime: Timestamp { min(row.time, latestGroupClock) }

        func text(of field: RuleField) -> String {
            switch field {
            case .normalized(let name): return fields.text(of: name, in: row)
            case .raw(let path): return raw?.value(at: path).text ?? ""
            }
        }
    }
}
