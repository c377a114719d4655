/// Decides a rule's `where` and `unless` for the rows of one batch.
///
/// A condition on a field of the batch's string table is decided once per distinct string, and
/// one on an enumerated field once per value: log fields take few values, so most rows cost a
/// table look-up per condition instead of a string comparison. The engine asks ``verdicts``, a
/// view of plain values (what each condition reads, and the memos), for every event and rule;
/// the conditions themselves — strings, patterns — are read on a memo's miss alone, through this
/// class, so deciding a row by its memos retains and releases nothing.
final class BatchRuleFilter {
    private let rule: Rule
    private let fields: BatchFields
    /// What each condition reads (`where` first, then `unless`), and its memo.
    private let steps: UnsafeMutableBufferPointer<Step>
    private let whereCount: Int
    /// Every condition's memo: 0 undecided, 1 holds, 2 does not.
    private let memos: UnsafeMutablePointer<UInt8>
    private let rawPaths: [[String]]
    private let parser: JSONParser?

    /// One condition, as the hot path reads it: plain values only.
    struct Step {
        /// Where the field is, for a field of the string table or an enumerated one (or a pure
        /// derivation of one); nil for anything else (the key, time, status, `raw.<path>`),
        /// decided row by row.
        let location: RowFieldLocation?
        /// This condition's first entry in ``memos``: one per string of the batch's table, or
        /// 256 for an enumerated field…
        let memo: Int
        /// …so many entries (a row's number past them would be a broken batch).
        let memoCount: Int
    }

    init(rule: Rule, fields: BatchFields, parser: JSONParser?) {
        self.rule = rule
        self.fields = fields
        var steps: [Step] = []
        var memoCount = 0
        for condition in rule.conditions + rule.exceptions {
            guard let field = condition.field.decidedByNormalizedField, let location = RowFieldLocation(field) else {
                steps.append(Step(location: nil, memo: 0, memoCount: 0))
                continue
            }
            let count = location.isEnumerated ? 256 : fields.batch.strings.count
            steps.append(Step(location: location, memo: memoCount, memoCount: count))
            memoCount += count
        }
        self.steps = .allocate(capacity: steps.count)
        _ = self.steps.initialize(from: steps)
        whereCount = rule.conditions.count
        memos = .allocate(capacity: max(memoCount, 1))
        memos.initialize(repeating: 0, count: max(memoCount, 1))
        rawPaths = rule.rawPaths
        self.parser = rawPaths.isEmpty ? nil : parser
    }

    deinit {
        steps.deallocate()
        memos.deallocate()
    }

    /// True when the row meets every `where` condition and not all of the `unless` ones (see
    /// ``Verdicts/counts(_:raw:)``).
    func counts(_ row: UnsafePointer<EventRow>, raw: inout RawFields?) -> Bool {
        verdicts.counts(row, raw: &raw)
    }

    /// The filter as plain values, for the engine's loop. Valid while this filter lives.
    var verdicts: Verdicts {
        Verdicts(steps: UnsafeBufferPointer(steps), whereCount: whereCount, memos: memos, readsRaw: parser != nil, filter: self)
    }

    /// A filter's steps and memos as plain values: most rows are decided by memos alone, as most
    /// rules look at a few operations and most rows fail their first condition on a value met
    /// before. Only a memo's miss, or a rule that reads the raw record, reaches the filter object.
    struct Verdicts {
        fileprivate let steps: UnsafeBufferPointer<Step>
        fileprivate let whereCount: Int
        fileprivate let memos: UnsafeMutablePointer<UInt8>
        fileprivate let readsRaw: Bool
        /// Unowned: whoever asks holds the filter while it asks.
        fileprivate unowned(unsafe) let filter: BatchRuleFilter

        /// True when the row meets every `where` condition and not all of the `unless` ones. When
        /// the rule reads raw values, the row's are parsed once into `raw`; otherwise `raw` is
        /// left as it was (another rule's, which this one never reads), so that a rule that reads
        /// none neither makes nor releases one. The row is read where the batch holds it.
        @inline(__always)
        func counts(_ row: UnsafePointer<EventRow>, raw: inout RawFields?) -> Bool {
            if whereCount > 0, let memo = memo(of: steps[0], for: row), memo.pointee == 2 { return false }
            if readsRaw { raw = nil }
            var counts = true
            for position in 0..<whereCount where !holds(position, row, &raw) {
                counts = false
                break
            }
            if counts, steps.count > whereCount {
                counts = false
                for position in whereCount..<steps.count where !holds(position, row, &raw) {
                    counts = true
                    break
                }
            }
            if counts, readsRaw, raw == nil { raw = filter.rawFields(of: row) }
            return counts
        }

        @inline(__always)
        private func holds(_ position: Int, _ row: UnsafePointer<EventRow>, _ raw: inout RawFields?) -> Bool {
            guard let memo = memo(of: steps[position], for: row) else { return filter.decide(position, row, &raw) }
            if memo.pointee != 0 { return memo.pointee == 1 }
            let result = filter.decide(position, row, &raw)
            memo.pointee = result ? 1 : 2
            return result
        }

        /// The memo entry of the row's value for a condition on a field of the string table or an
        /// enumerated one; nil for other conditions.
        @inline(__always)
        private func memo(of step: Step, for row: UnsafePointer<EventRow>) -> UnsafeMutablePointer<UInt8>? {
            guard let location = step.location else { return nil }
            let number = Int(location.number(in: row))
            precondition(number < step.memoCount, "a row refers to a string its batch does not hold")
            return memos + step.memo + number
        }
    }

    /// The raw record's values the rule reads.
    fileprivate func rawFields(of row: UnsafePointer<EventRow>) -> RawFields? {
        guard let parser else { return nil }
        return RawFields(row: row.pointee, in: fields.batch, paths: rawPaths, parser: parser)
    }

    /// A condition decided for this row: on a memo's miss, or for a field without memos.
    fileprivate func decide(_ position: Int, _ row: UnsafePointer<EventRow>, _ raw: inout RawFields?) -> Bool {
        let condition = condition(at: position)
        if condition.field.rawPath != nil, raw == nil { raw = rawFields(of: row) }
        return condition.holds(for: fields.value(of: condition.field, in: row.pointee, raw: raw))
    }

    private func condition(at position: Int) -> FieldCondition {
        position < whereCount ? rule.conditions[position] : rule.exceptions[position - whereCount]
    }
}
