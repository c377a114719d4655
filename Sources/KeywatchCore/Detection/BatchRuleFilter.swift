/// Decides a rule's `where` and `unless` for the rows of one batch.
///
/// A condition on a field of the batch's string table is decided once per distinct string, and
/// one on an enumerated field once per value: log fields take few values, so most rows cost a
/// table look-up per condition instead of a string comparison.
struct BatchRuleFilter {
    private let rule: Rule
    private let fields: BatchFields
    /// Per condition (`where` first, then `unless`): 0 undecided, 1 holds, 2 does not — by string index.
    private var stringMemo: [[UInt8]]
    /// Per condition, by ``BatchFields/enumeratedSlot(of:in:)``.
    private var enumeratedMemo: [[UInt8]]
    private let rawPaths: [[String]]
    private let parser: JSONParser?

    init(rule: Rule, fields: BatchFields, parser: JSONParser?) {
        self.rule = rule
        self.fields = fields
        let conditions = rule.conditions.count + rule.exceptions.count
        stringMemo = Array(repeating: [], count: conditions)
        enumeratedMemo = Array(repeating: [UInt8](repeating: 0, count: 256), count: conditions)
        rawPaths = rule.rawPaths
        self.parser = rawPaths.isEmpty ? nil : parser
    }

    /// True when the row meets every `where` condition and not all of the `unless` ones; the
    /// row's raw values, when the rule reads any, are parsed once and handed back.
    mutating func counts(_ row: EventRow) -> (counts: Bool, raw: RawFields?) {
        var raw: RawFields?
        let conditionCount = rule.conditions.count
        for (position, condition) in rule.conditions.enumerated() where !holds(condition, at: position, row, &raw) {
            return (false, raw)
        }
        if !rule.exceptions.isEmpty {
            var allHold = true
            for (offset, condition) in rule.exceptions.enumerated()
            where !holds(condition, at: conditionCount + offset, row, &raw) {
                allHold = false
                break
            }
            if allHold { return (false, raw) }
        }
        if raw == nil, let parser { raw = RawFields(row: row, in: fields.batch, paths: rawPaths, parser: parser) }
        return (true, raw)
    }

    private mutating func holds(_ condition: FieldCondition, at position: Int, _ row: EventRow, _ raw: inout RawFields?) -> Bool {
        switch condition.field {
        case .raw(let path):
            if raw == nil, let parser { raw = RawFields(row: row, in: fields.batch, paths: rawPaths, parser: parser) }
            return condition.holds(for: raw?.value(at: path) ?? .absent)
        case .normalized(let field):
            if let index = BatchFields.stringIndex(of: field, in: row) {
                let slot = Int(index.rawValue)
                if stringMemo[position].isEmpty {
                    stringMemo[position] = [UInt8](repeating: 0, count: fields.batch.strings.count)
                }
                let known = stringMemo[position][slot]
                if known != 0 { return known == 1 }
                let result = condition.holds(for: fields.batch.string(index).map(FieldValue.string) ?? .absent)
                stringMemo[position][slot] = result ? 1 : 2
                return result
            }
            if let slot = BatchFields.enumeratedSlot(of: field, in: row) {
                let known = enumeratedMemo[position][slot]
                if known != 0 { return known == 1 }
                let text = BatchFields.enumeratedText(of: field, in: row) ?? nil
                let result = condition.holds(for: text.map(FieldValue.string) ?? .absent)
                enumeratedMemo[position][slot] = result ? 1 : 2
                return result
            }
            return condition.holds(for: fields.value(of: field, in: row))
        }
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
