/// Where a field that detection reads as a number sits in an ``EventRow``: a string-table index
/// (``StringIndex``), or the one byte of an enumerated field. The one list of which fields are
/// which: ``BatchFields`` reads string-table fields through it too.
///
/// Filters and group look-ups run for every event and rule. Reading a field at a byte offset
/// fixed when the rule is set up costs a load; asking for it by name cost a switch and an optional
/// each time.
struct RowFieldLocation: Equatable {
    /// The field's byte offset in an ``EventRow``.
    let offset: Int
    /// True for a one-byte enumerated field (its case, or its optional's "absent"); false for a
    /// ``StringIndex``.
    let isEnumerated: Bool

    /// Nil for fields that are neither in the string table nor enumerated: key, time, status,
    /// request id, session, origin.
    init?(_ field: NormalizedField) {
        let stringIndex: PartialKeyPath<EventRow>
        switch field {
        case .operation: stringIndex = \.operation
        case .errorCode: stringIndex = \.errorCode
        case .principal: stringIndex = \.principal
        case .principalName: stringIndex = \.principalName
        case .appID: stringIndex = \.appID
        case .namespace: stringIndex = \.namespace
        case .serviceAccount: stringIndex = \.serviceAccount
        case .tenant: stringIndex = \.tenant
        case .scope: stringIndex = \.scope
        case .resource: stringIndex = \.resource
        case .objectName: stringIndex = \.objectName
        case .resourceNamespace: stringIndex = \.resourceNamespace
        case .ip: stringIndex = \.ip
        case .userAgent: stringIndex = \.userAgent
        case .region: stringIndex = \.region
        case .source: self.init(enumerated: \.source); return
        case .eventClass: self.init(enumerated: \.eventClass); return
        case .outcome: self.init(enumerated: \.outcome); return
        case .reason: self.init(enumerated: \.reason); return
        case .principalType: self.init(enumerated: \.principalType); return
        case .resourceType: self.init(enumerated: \.resourceType); return
        case .key, .time, .status, .requestID, .session, .origin: return nil
        }
        self.init(offset: MemoryLayout<EventRow>.offset(of: stringIndex)!, isEnumerated: false)
    }

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
