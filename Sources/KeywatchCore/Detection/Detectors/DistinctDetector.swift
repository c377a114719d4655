/// `type: distinct` — at least `threshold` distinct values of `field` in a group's window (one
/// principal reading many secrets).
struct DistinctDetector: WindowDetector {
    static let type = "distinct"
    static let keys = ["field", "threshold"]

    let field: RuleField
    let threshold: Int

    init(reading rule: RuleSettings) throws(ConfigurationError) {
        let field = rule.noting { () throws(ConfigurationError) in
            guard let field = try rule.field("field") else { throw rule.missing("field", "the field whose distinct values count") }
            return field
        }
        let threshold = rule.noting { () throws(ConfigurationError) in
            guard let threshold = try rule.count("threshold") else { throw rule.missing("threshold") }
            return threshold
        }
        guard let field, let threshold else { throw rule.noted }
        self.field = field
        self.threshold = threshold
    }

    var fields: [RuleField] { [field] }
    var evidenceFrom: Int { max(0, threshold - Alert.evidenceLimit) }

    func collectedValue(of event: EventView) -> String? { event.text(of: field) }

    func finding(in window: WindowTally, of group: GroupState, event: EventView, rule: Rule) -> Finding? {
        guard window.values.count >= threshold else { return nil }
        return Finding(
            summary: "\(window.values.count) distinct \(field.description) values for \(rule.describeGroup(of: event)) within \(rule.windowText)",
            details: [AlertDetail("field", .text(field.description)), AlertDetail("threshold", .integer(threshold)),
                      AlertDetail("distinct", .integer(window.values.count)), AlertDetail("values", .list(window.values.sorted()))])
    }
}
