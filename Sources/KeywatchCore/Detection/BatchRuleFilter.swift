/// Decides a rule's `where` and `unless` for the rows of one batch.
///
/// A condition on a field of the batch's string table is decided once per distinct string, and
/// one on an enumerated field once per value: log fields take few values, so most rows cost a
/// table look-up per condition instead of a string comparison. Deciding a row touches only plain
/// values (what each condition reads, and the memos); the conditions themselves — strings,
/// patterns — are read on a memo's miss alone, so the hot path retains and releases nothing.
struct BatchRuleFilter {
    private let rule: Rule
    private let fields: BatchFields
    /// What each condition reads (`where` first, then `unless`).
    private let reads: [ConditionRead]
    private let whereCount: Int
    /// Memos, per condition: 0 undecided, 1 holds, 2 does not. By string index, `stride` entries
    /// a condition (made on the first row that needs them)…
    private var stringMemo: [UInt8] = []
    private let stride: Int
    /// …and by ``BatchFields/enumeratedSlot(of:in:)``, 256 a condition.
    private var enumeratedMemo: [UInt8]
    private let rawPaths: [[String]]
    private let parser: JSONParser?

    /// What a condition reads, as a plain value.
    private enum ConditionRead {
        /// A field kept in the batch's string table.
        case string(NormalizedField)
        /// A field of few values (``BatchFields/enumeratedSlot(of:in:)``).
        case enumerated(NormalizedField)
        /// Anything else: the key, time, status, `raw.<path>` — decided row by row.
        case other
    }

    init(rule: Rule, fields: BatchFields, parser: JSONParser?) {
        self.rule = rule
        self.fields = fields
        let conditions = rule.conditions + rule.exceptions
        reads = conditions.map { condition in
            guard case .normalized(let field) = condition.field else { return .other }
            switch BatchFields.kind(of: field) {
            case .string: return .string(field)
            case .enumerated: return .enumerated(field)
            case .other: return .other
            }
        }
        whereCount = rule.conditions.count
        stride = fields.batch.strings.count
        enumeratedMemo = conditions.isEmpty ? [] : [UInt8](repeating: 0, count: conditions.count * 256)
        rawPaths = rule.rawPaths
        self.parser = rawPaths.isEmpty ? nil : parser
    }

    /// True when the row meets every `where` condition and not all of the `unless` ones. When the
    /// rule reads raw values, the row's are parsed once into `raw`; otherwise `raw` is left as it
    /// was (another rule's, which this one never reads): a value handed back for every rule and
    /// event was released for each, nil or not. The row is read where the batch holds it: passed
    /// by value, it was copied (170 bytes) for each rule.
    mutating func counts(_ row: UnsafePointer<EventRow>, raw: inout RawFields?) -> Bool {
        if parser != nil { raw = nil }
        for position in 0..<whereCount where !holds(position, row, &raw) {
            return false
        }
        if reads.count > whereCount {
            var allHold = true
            for position in whereCount..<reads.count where !holds(position, row, &raw) {
                allHold = false
                break
            }
            if allHold { return false }
        }
        if raw == nil, let parser { raw = RawFields(row: row.pointee, in: fields.batch, paths: rawPaths, parser: parser) }
        return true
    }

    private mutating func holds(_ position: Int, _ row: UnsafePointer<EventRow>, _ raw: inout RawFields?) -> Bool {
        switch reads[position] {
        case .string(let field):
            let index = BatchFields.stringIndex(of: field, in: row.pointee) ?? .none
            if stringMemo.isEmpty { stringMemo = [UInt8](repeating: 0, count: reads.count * stride) }
            let memo = position * stride + Int(index.rawValue)
            let known = stringMemo[memo]
            if known != 0 { return known == 1 }
            let result = condition(at: position).holds(for: fields.batch.string(index).map(FieldValue.string) ?? .absent)
            stringMemo[memo] = result ? 1 : 2
            return result
        case .enumerated(let field):
            let memo = position * 256 + (BatchFields.enumeratedSlot(of: field, in: row.pointee) ?? 255)
            let known = enumeratedMemo[memo]
            if known != 0 { return known == 1 }
            let text = BatchFields.enumeratedText(of: field, in: row.pointee) ?? nil
            let result = condition(at: position).holds(for: text.map(FieldValue.string) ?? .absent)
            enumeratedMemo[memo] = result ? 1 : 2
            return result
        case .other:
            let condition = condition(at: position)
            switch condition.field {
            case .raw(let path):
                if raw == nil, let parser { raw = RawFields(row: row.pointee, in: fields.batch, paths: rawPaths, parser: parser) }
                return condition.holds(for: raw?.value(at: path) ?? .absent)
            case .normalized(let field):
                return condition.holds(for: fields.value(of: field, in: row.pointee))
            }
        }
    }

    private func condition(at position: Int) -> FieldCondition {
        position < whereCount ? rule.conditions[position] : rule.exceptions[position - whereCount]
    }
}

extension Rule {
    /// Every field the rule reads beyond its conditions: groups, and the type's own fields.
    var keyFields: [RuleField] {
        switch kind {
        case .distinct(let field, _): return groupBy + [field]
        case .firstSeen(let fields, _): return groupBy + fields
        default: return groupBy
        }
    }

    /// The `raw.<path>`s the rule reads anywhere.
    var rawPaths: [[String]] {
        var paths: [[String]] = []
        for field in conditions.map(\.field) + exceptions.map(\.field) + keyFields {
            if case .raw(let path) = field, !paths.contains(path) { paths.append(path) }
        }
        return paths
    }
}
