/// Reads rule fields from the rows of a batch without turning rows into ``Event``s. A class, so
/// that each event handed to each rule carries one reference, not copies of the batch's arrays.
final class BatchFields {
    let batch: EventBatch
    /// The batch's ``EventBatch/texts``, at hand: reading an event's key through `batch` copied
    /// the whole batch value (retaining each of its arrays) for every key read.
    private let texts: [UInt8]
    /// What derived fields (`ip|network`, `…|accounts|foreign`) read beyond the event.
    let context: DerivationContext
    /// Whether each event is inside its caller's profile, for `outside_profile` rules: made when
    /// one first asks.
    private(set) lazy var profiles = BatchProfileVerdicts(batch: batch, identities: context.identities)

    init(batch: EventBatch, context: DerivationContext = DerivationContext(identities: .empty)) {
        self.batch = batch
        texts = batch.texts
        self.context = context
    }

    /// The event key of `row`.
    func key(of row: EventRow) -> String {
        EventBatch.text(row.key, in: texts) ?? ""
    }

    /// The position in the batch's string table of a field kept there; nil for other fields.
    /// The one list of those fields: ``RowFieldLocation`` learns where a row holds them from it.
    @inline(__always)
    static func stringIndex(of field: NormalizedField, in row: EventRow) -> StringIndex? {
        switch field {
        case .operation: return row.operation
        case .errorCode: return row.errorCode
        case .principal: return row.principal
        case .principalName: return row.principalName
        case .appID: return row.appID
        case .namespace: return row.namespace
        case .serviceAccount: return row.serviceAccount
        case .tenant: return row.tenant
        case .account: return row.account
        case .scope: return row.scope
        case .resource: return row.resource
        case .objectName: return row.objectName
        case .resourceNamespace: return row.resourceNamespace
        case .ip: return row.ip
        case .userAgent: return row.userAgent
        case .region: return row.region
        case .key, .source, .time, .eventClass, .outcome, .status, .reason, .principalType, .resourceType,
             .requestID, .session, .newSession, .origin:
            return nil
        }
    }

    /// The text of an enumerated field (few values: conditions on it are decided once per value).
    @inline(__always)
    private static func enumeratedText(of field: NormalizedField, in row: EventRow) -> String?? {
        switch field {
        case .source: return .some(row.source.rawValue)
        case .eventClass: return .some(row.eventClass.rawValue)
        case .outcome: return .some(row.outcome.rawValue)
        case .reason: return .some(row.reason?.rawValue)
        case .principalType: return .some(row.principalType?.rawValue)
        case .resourceType: return .some(row.resourceType.rawValue)
        default: return nil
        }
    }

    /// A field's value in a row, as conditions compare it.
    func value(of field: NormalizedField, in row: EventRow) -> FieldValue {
        if let index = Self.stringIndex(of: field, in: row) {
            return batch.string(index).map(FieldValue.string) ?? .absent
        }
        if let text = Self.enumeratedText(of: field, in: row) {
            return text.map(FieldValue.string) ?? .absent
        }
        switch field {
        case .key: return batch.text(row.key).map(FieldValue.string) ?? .absent
        case .time: return .string(row.time.rfc3339)
        case .status: return row.status.map { .number(Double($0)) } ?? .absent
        case .requestID: return batch.text(row.requestID).map(FieldValue.string) ?? .absent
        case .session: return batch.text(row.session).map(FieldValue.string) ?? .absent
        case .newSession: return batch.text(row.newSession).map(FieldValue.string) ?? .absent
        case .origin:
            let input = batch.inputs.isEmpty ? "" : batch.inputs[Int(row.input)]
            return .string(Origin(input: input, offset: row.inputOffset).description)
        default: return .absent
        }
    }

    /// A rule field's value in a row; `raw` holds the row's `raw.<path>` values the rule reads.
    func value(of field: RuleField, in row: EventRow, raw: RawFields?) -> FieldValue {
        switch field {
        case .normalized(let name): return value(of: name, in: row)
        case .raw(let path): return raw?.value(at: path) ?? .absent
        case .derived(let base, let derivation):
            return derivation.apply(to: value(of: base, in: row, raw: raw), in: context)
        }
    }

    /// A rule field's value as the text a group key holds: absent is empty, a list its elements
    /// joined by commas.
    func text(of field: RuleField, in row: EventRow, raw: RawFields?) -> String {
        switch field {
        case .normalized(let name): return text(of: name, in: row)
        case .raw(let path): return raw?.value(at: path).text ?? ""
        case .derived:
            let value = value(of: field, in: row, raw: raw)
            if case .list(let items) = value { return items.compactMap(\.text).joined(separator: ",") }
            return value.text ?? ""
        }
    }

    /// A field's value as the text a group key holds: absent is empty.
    func text(of field: NormalizedField, in row: EventRow) -> String {
        if let index = Self.stringIndex(of: field, in: row) { return batch.string(index) ?? "" }
        return value(of: field, in: row).text ?? ""
    }

    /// The ``ContentHash`` of ``text(of:in:)``, mostly as the decoder's
    /// interner found it: the text is not read again.
    func contentHash(of field: NormalizedField, in row: EventRow) -> UInt64 {
        if let index = Self.stringIndex(of: field, in: row) { return batch.contentHash(of: index) }
        return ContentHash.of(text(of: field, in: row))
    }

    /// Whether the field's value in `row` is held by the `String` whose ``StringInstance/Bits``
    /// are `bits`: the same instance as the batch holds (the interner hands out one per value), so
    /// the same value, found without reading text. False says nothing: ask ``matches(_:_:in:)``.
    func isInstance(_ bits: StringInstance.Bits, _ field: NormalizedField, in row: EventRow) -> Bool {
        guard let index = Self.stringIndex(of: field, in: row) else { return false }
        return batch.strings.withUnsafeBufferPointer { strings in
            precondition(Int(index.rawValue) < strings.count, "a row refers to a string its batch does not hold")
            return StringInstance.bits(of: strings.baseAddress! + Int(index.rawValue)) == bits
        }
    }

    /// Whether `remembered` is ``text(of:in:)``.
    func matches(_ remembered: String, _ field: NormalizedField, in row: EventRow) -> Bool {
        remembered == text(of: field, in: row)
    }
}

/// The raw record of a row, parsed once for every `raw.<path>` a rule reads.
struct RawFields {
    private var values: [[String]: FieldValue] = [:]

    /// Parses the row's record and keeps the values at `paths`; a record that does not parse has none.
    init(row: EventRow, in batch: EventBatch, paths: [[String]], parser: JSONParser) {
        guard row.raw.length > 0, row.raw.offset + row.raw.length <= batch.raw.count else { return }
        var found: [[String]: FieldValue] = [:]
        batch.raw.withUnsafeBytes { buffer in
            let record = UnsafeRawBufferPointer(rebasing: buffer[row.raw.offset..<(row.raw.offset + row.raw.length)])
            try? parser.parse(record) { document in
                for path in paths { found[path] = document.root.fieldValue(at: path) }
            }
        }
        values = found
    }

    func value(at path: [String]) -> FieldValue { values[path] ?? .absent }
}
