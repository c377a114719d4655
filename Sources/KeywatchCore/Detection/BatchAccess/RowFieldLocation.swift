/// Where a field that detection reads as a number sits in an ``EventRow``: a string-table index
/// (``StringIndex``), or the one byte of an enumerated field. Which fields are in the string table
/// is ``BatchFields/stringIndex(of:in:)``'s one list; where a row holds each is learned from it.
///
/// Filters and group look-ups run for every event and rule: reading a field at a byte offset
/// fixed when the rule is set up is one load, where asking for it by name is a switch and an
/// optional each time.
struct RowFieldLocation: Equatable {
    /// The field's byte offset in an ``EventRow``.
    let offset: Int
    /// True for a one-byte enumerated field (its case, or its optional's "absent"); false for a
    /// ``StringIndex``.
    let isEnumerated: Bool

    /// Nil for fields that are neither in the string table nor enumerated: key, time, status,
    /// request id, session, origin.
    init?(_ field: NormalizedField) {
        if let index = BatchFields.stringIndex(of: field, in: Self.offsetProbe) {
            self.init(offset: Int(index.rawValue), isEnumerated: false)
            return
        }
        switch field {
        case .source: self.init(enumerated: \.source)
        case .eventClass: self.init(enumerated: \.eventClass)
        case .outcome: self.init(enumerated: \.outcome)
        case .reason: self.init(enumerated: \.reason)
        case .principalType: self.init(enumerated: \.principalType)
        case .resourceType: self.init(enumerated: \.resourceType)
        default: return nil
        }
    }

    /// A row whose every four-byte word holds its own byte offset: a string-table field read from
    /// it by ``BatchFields/stringIndex(of:in:)``, the one list of those fields, is its offset. Only
    /// those fields are ever read from it (a row is plain bytes: `RowFieldLocationTests` checks).
    private static let offsetProbe: EventRow = {
        var row = EventRow(key: .none, keyHash: 0, source: .awsKMS, time: Timestamp(microseconds: 0), eventClass: .crypto,
                           outcome: .success)
        withUnsafeMutableBytes(of: &row) { bytes in
            for offset in stride(from: 0, through: bytes.count - 4, by: 4) {
                bytes.storeBytes(of: UInt32(offset), toByteOffset: offset, as: UInt32.self)
            }
        }
        return row
    }()

    private init<Value>(enumerated field: KeyPath<EventRow, Value>) {
        precondition(MemoryLayout<Value>.size == 1, "an enumerated field is one byte")
        self.init(offset: MemoryLayout<EventRow>.offset(of: field)!, isEnumerated: true)
    }

    private init(offset: Int, isEnumerated: Bool) {
        self.offset = offset
        self.isEnumerated = isEnumerated
    }

    /// The field's number in `row`: its string index, or its enumerated byte (below 256).
    @inline(__always)
    func number(in row: UnsafePointer<EventRow>) -> UInt32 {
        let base = UnsafeRawPointer(row)
        return isEnumerated
            ? UInt32(base.load(fromByteOffset: offset, as: UInt8.self))
            : base.load(fromByteOffset: offset, as: UInt32.self)
    }
}
