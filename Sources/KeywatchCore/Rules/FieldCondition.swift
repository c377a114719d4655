/// One line of a rule's `where` or `unless`: a field, its derivations, its modifiers, and the
/// values it may take.
///
/// `operation|not|startswith: [Secret, Key]` holds for an event whose operation starts with
/// neither; `ip|network|not: 10.0.0.0/24` for a caller outside that network (derivations, see
/// ``FieldDerivation``, come right after the field). Values are any-of, unless `all` makes them
/// all-of. Strings compare case-insensitively.
public struct FieldCondition: Sendable {
    public enum Comparison: String, Sendable {
        case equals, contains, startswith, endswith, re, cidr, exists, gt, gte, lt, lte
    }

    public let field: RuleField
    public let comparison: Comparison
    public let negated: Bool
    public let requiresAll: Bool
    private let operands: [Operand]

    /// A value of the condition, prepared once for the comparison.
    private enum Operand: Sendable {
        case text(String)  // lower-cased
        case number(Double)
        case pattern(RulePattern)
        case network(CIDR)
        case exists(Bool)
    }

    /// Longer values are compared by their first bytes only: bounded work on attacker-sized fields.
    static let longestComparedValue = 8192

    /// Builds a condition from its key (`field|modifier|…`) and values, as written.
    /// - Throws: a message naming what is wrong (the caller adds file, line and key).
    public init(key: String, values: [String]) throws(RuleError) {
        let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let (field, modifiers) = try RuleField.reading(parts)
        var comparison = Comparison.equals
        var negated = false
        var requiresAll = false
        for modifier in modifiers {
            if FieldDerivation(rawValue: modifier) != nil {
                throw RuleError("'\(modifier)' derives a value: write it right after the field, before modifiers")
            }
            switch modifier {
            case "not": negated.toggle()
            case "all": requiresAll = true
            default:
                guard let chosen = Comparison(rawValue: modifier), chosen != .equals else {
                    throw RuleError("unknown modifier '\(modifier)': use not, contains, startswith, endswith, re, cidr, exists, gt, gte, lt, lte or all (or, right after the field, a derivation: \(FieldDerivation.names))")
                }
                guard comparison == .equals else {
                    throw RuleError("two comparisons ('\(comparison.rawValue)' and '\(modifier)'): a condition has at most one")
                }
                comparison = chosen
            }
        }
        guard !values.isEmpty else { throw RuleError("no value to compare with") }
        operands = try values.map { value throws(RuleError) in try Self.operand(value, for: comparison) }
        self.field = field
        self.comparison = comparison
        self.negated = negated
        self.requiresAll = requiresAll
    }

    private static func operand(_ value: String, for comparison: Comparison) throws(RuleError) -> Operand {
        switch comparison {
        case .equals, .contains, .startswith, .endswith:
            return .text(value.lowercased())
        case .re:
            return .pattern(try RulePattern(value))
        case .cidr:
            guard let network = CIDR(value) else { throw RuleError("'\(value)' is not a network such as 10.0.0.0/8 or fd00::/8") }
            return .network(network)
        case .exists:
            switch value.lowercased() {
            case "true", "yes": return .exists(true)
            case "false", "no": return .exists(false)
            default: throw RuleError("exists takes true or false, not '\(value)'")
            }
        case .gt, .gte, .lt, .lte:
            guard let number = Double(value), number.isFinite else { throw RuleError("'\(value)' is not a number") }
            return .number(number)
        }
    }

    /// True when the condition holds for `value`, the field's value in an event.
    public func holds(for value: FieldValue) -> Bool {
        let result: Bool
        if comparison == .exists {
            result = operands.allSatisfy { operand in
                if case .exists(let wanted) = operand { return Self.isPresent(value) == wanted }
                return false
            }
        } else if requiresAll {
            result = operands.allSatisfy { compare(value, with: $0) }
        } else {
            result = operands.contains { compare(value, with: $0) }
        }
        return result != negated
    }

    private static func isPresent(_ value: FieldValue) -> Bool {
        switch value {
        case .absent: return false
        case .string(let text): return !text.isEmpty
        case .number: return true
        case .list(let items): return !items.isEmpty
        }
    }

    /// One operand against a value; a list holds if any element does.
    private func compare(_ value: FieldValue, with operand: Operand) -> Bool {
        if case .list(let items) = value { return items.contains { compare($0, with: operand) } }
        switch (comparison, operand) {
        case (.gt, .number(let bound)), (.gte, .number(let bound)), (.lt, .number(let bound)), (.lte, .number(let bound)):
            guard let number = value.number else { return false }
            switch comparison {
            case .gt: return number > bound
            case .gte: return number >= bound
            case .lt: return number < bound
            default: return number <= bound
            }
        case (.cidr, .network(let network)):
            return value.text.map(network.contains) ?? false
        case (.re, .pattern(let pattern)):
            guard let text = value.text.map(Self.bounded) else { return false }
            return pattern.matches(text)
        case (_, .text(let wanted)):
            guard let text = value.text.map(Self.bounded)?.lowercased() else { return false }
            switch comparison {
            case .contains: return text.contains(wanted)
            case .startswith: return text.hasPrefix(wanted)
            case .endswith: return text.hasSuffix(wanted)
            default:
                if text == wanted { return true }
                // `status: 403` matches the number 403 whichever way either is spelled.
                if case .number(let number) = value, let other = Double(wanted) { return number == other }
                return false
            }
        default:
            return false
        }
    }

    private static func bounded(_ text: String) -> String {
        text.utf8.count <= longestComparedValue ? text : String(decoding: text.utf8.prefix(longestComparedValue), as: UTF8.self)
    }
}

/// A problem in a rule, before its file, line and key are known.
public struct RuleError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
