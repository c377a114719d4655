/// The values a field can take, where the model has a closed set of them: a condition's value
/// outside it never matches, so a rule that names one is a mistake (`outcome: denyed`), not a
/// rule that quietly never fires.
///
/// A pattern (`contains`, `startswith`, `endswith`, `re`) is accepted when it matches one of the
/// values at least; `exists` always is; a comparison that cannot hold for any value of the set
/// (`gt`, `cidr`) is not. `status` takes numbers. Fields without a closed set (`principal`,
/// `raw.<path>`…) take any value.
public enum FieldDomain {
    /// Every value `field` can have, lower-case; nil when it has no closed set.
    public static func values(of field: RuleField) -> [String]? {
        switch field {
        case .normalized(let name):
            switch name {
            case .source: return EventSource.allCases.map(\.rawValue)
            case .eventClass: return EventClass.allCases.map(\.rawValue)
            case .outcome: return Outcome.allCases.map(\.rawValue)
            case .reason: return DenialReason.allCases.map(\.rawValue)
            case .principalType: return PrincipalType.allCases.map(\.rawValue)
            case .resourceType: return ResourceType.allCases.map(\.rawValue)
            default: return nil
            }
        case .derived(_, .isPublic), .derived(_, .decoy):
            return ["true", "false"]
        case .raw, .derived:
            return nil
        }
    }

    /// What is wrong with `value` as a value of `condition`, or nil when it can match.
    public static func problem(with value: String, in condition: FieldCondition) -> String? {
        // `status` is a number: `status: forbidden` never matches (`status|startswith: 4` may).
        if condition.field == .normalized(.status), condition.comparison == .equals, Double(value) == nil {
            return "'\(value)' is not a number: status is the HTTP status code, such as 403"
        }
        guard let domain = values(of: condition.field) else { return nil }
        let expected = "expected one of: \(domain.joined(separator: ", "))"
        let wanted = value.lowercased()
        let field = condition.field.description
        switch condition.comparison {
        case .exists:
            return nil
        case .equals:
            return domain.contains(wanted) ? nil : "unknown \(field) '\(value)' (\(expected))"
        case .contains, .startswith, .endswith:
            let matches = domain.contains { known in
                switch condition.comparison {
                case .contains: known.contains(wanted)
                case .startswith: known.hasPrefix(wanted)
                default: known.hasSuffix(wanted)
                }
            }
            return matches ? nil : "\(condition.comparison.rawValue) '\(value)' matches no \(field) (\(expected))"
        case .re:
            guard let pattern = try? RulePattern(value) else { return nil }
            return domain.contains(where: pattern.matches) ? nil : "re '\(value)' matches no \(field) (\(expected))"
        case .cidr, .gt, .gte, .lt, .lte:
            return "\(condition.comparison.rawValue) never holds for \(field), which is a name (\(expected))"
        }
    }
}
