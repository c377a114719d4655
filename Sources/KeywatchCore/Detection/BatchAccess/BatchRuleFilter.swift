/// Decides a rule's `where` and `unless` for the rows of one batch.
///
/// A condition on a field of the batch's string table is decided once per distinct string, and
/// one on an enumerated field once per value: log fields take few values, so most rows cost a
/// table look-up per condition instead of a string comparison. Deciding a row touches only plain
/// values (what each condition reads, and the memos); the conditions themselves — strings,
/// patterns — are read on a memo's miss alone, so the hot path retains and releases nothing.
final class BatchRuleFilter {
    private let rule: Rule
    private let fields: BatchFields
    /// What each condition reads (`where` first, then `unless`), and its memo.
    private let steps: [Step]
    private let whereCount: Int
    /// Every condition's memo: 0 undecided, 1 holds, 2 does not.
    private let memos: UnsafeMutablePointer<UInt8>
    private let rawPaths: [[String]]
    private let parser: JSONParser?

    /// One condition, as the hot path reads it: plain values only.
    private struct Step {
        /// Where the field is, for a field of the string table or an enumerated one; nil for
        /// anything else (the key, time, status, `raw.<path>`), decided row by row.
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
            guard case .normalized(let field) = condition.field, let location = RowFieldLocation(field) else {
                steps.append(Step(location: nil, memo: 0, memoCount: 0))
                continue
            }
            let count = location.isEnumerated ? 256 : fields.batch.strings.count
            steps.append(Step(location: location, memo: memoCount, memoCount: count))
            memoCount += count
        }
        self.steps = steps
        whereCount = rule.conditions.count
        memos = .allocate(capacity: max(memoCount, 1))
        memos.initialize(repeating: 0, count: max(memoCount, 1))
        rawPaths = rule.rawPaths
        self.parser = rawPaths.isEmpty ? nil : parser
    }

    deinit { memos.deallocate() }

    /// True when the row meets every `where` condition and not all of the `unless` ones. When the
    /// rule reads raw values, the row's are parsed once into `raw`; otherwise `raw` is left as it
    /// was (another rule's, which this one never reads): a value handed back for every rule and
    /// event was released for each, nil or not. The row is read where the batch holds it: passed
    /// by value, it was copied (170 bytes) for each rule.
    func counts(_ row: UnsafePointer<EventRow>, raw: inout RawFields?) -> Bool {
        if shortcut.rejects(row) { return false }
        return decides(row, raw: &raw)
    }

    /// The memo of the first `where` condition, as plain values (``Shortcut``).
    var shortcut: Shortcut {
        guard whereCount > 0, let first = steps.first, let location = first.location else {
            return Shortcut(location: nil, memos: nil, memoCount: 0)
        }
        return Shortcut(location: location, memos: memos + first.memo, memoCount: first.memoCount)
    }

    /// Whether a row fails the rule's first `where` condition on a value met before: what most rows
    /// do, as most rules look at a few operations. Plain values, so that the engine asks it for
    /// every event and rule without retaining anything; a row it does not reject goes to
    /// ``counts(_:raw:)``.
    struct Shortcut {
        fileprivate let location: RowFieldLocation?
        fileprivate let memos: UnsafeMutablePointer<UInt8>?
        fileprivate let memoCount: Int

        @inline(__always)
        func rejects(_ row: UnsafePointer<EventRow>) -> Bool {
            guard let location, let memos else { return false }
            let number = Int(location.number(in: row))
            precondition(number < memoCount, "a row refers to a string its batch does not hold")
            return memos[number] == 2
        }
    }

    private func decides(_ row: UnsafePointer<EventRow>, raw: inout RawFields?) -> Bool {
        if parser != nil { raw = nil }
        let counts = steps.withUnsafeBufferPointer { steps in
            for position in 0..<whereCount where !holds(steps[position], position, row, &raw) {
                return false
            }
            guard steps.count > whereCount else { return true }
            for position in whereCount..<steps.count where !holds(steps[position], position, row, &raw) {
                return true
            }
            return false
        }
        if counts, raw == nil, let parser { raw = RawFields(row: row.pointee, in: fields.batch, paths: rawPaths, parser: parser) }
        return counts
    }

    @inline(__always)
    private func holds(_ step: Step, _ position: Int, _ row: UnsafePointer<EventRow>, _ raw: inout RawFields?) -> Bool {
        guard let memo = memo(of: step, for: row) else { return decide(position, row, &raw) }
        if memo.pointee != 0 { return memo.pointee == 1 }
        let result = decide(position, row, &raw)
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

    /// A condition decided for this row: on a memo's miss, or for a field without memos.
    private func decide(_ position: Int, _ row: UnsafePointer<EventRow>, _ raw: inout RawFields?) -> Bool {
        let condition = condition(at: position)
        switch condition.field {
        case .raw(let path):
            if raw == nil, let parser { raw = RawFields(row: row.pointee, in: fields.batch, paths: rawPaths, parser: parser) }
            return condition.holds(for: raw?.value(at: path) ?? .absent)
        case .normalized(let field):
            return condition.holds(for: fields.value(of: field, in: row.pointee))
        }
    }

    private func condition(at position: Int) -> FieldCondition {
        position < whereCount ? rule.conditions[position] : rule.exceptions[position - whereCount]
    }
}
