/// The one-line `summary` of each type of alert: what happened, who, over what span.
enum AlertText {
    /// `principal=arn:…, scope=kv-payments-prod`, or `all events` for an ungrouped rule.
    static func group(_ values: [String], rule: Rule) -> String {
        guard !rule.groupBy.isEmpty else { return "all events" }
        return zip(rule.groupBy, values).map { "\($0.description)=\($1.isEmpty ? "(none)" : $1)" }.joined(separator: ", ")
    }

    static func eventSummary(_ event: RuleRunner.Arrival) -> String {
        let who = nonEmpty(event.fields.text(of: .principalName, in: event.row))
            ?? nonEmpty(event.fields.text(of: .principal, in: event.row)) ?? "an unknown caller"
        let operation = event.fields.text(of: .operation, in: event.row)
        let outcome = event.row.outcome == .success ? "" : " (\(event.row.outcome.rawValue))"
        if let target = nonEmpty(event.fields.text(of: .resource, in: event.row)) {
            return "\(operation)\(outcome) by \(who) on \(target)"
        }
        return "\(operation)\(outcome) by \(who)"
    }

    static func crossNamespaceSummary(_ event: RuleRunner.Arrival, namespace: String, owner: String) -> String {
        let who = nonEmpty(event.fields.text(of: .principal, in: event.row)) ?? "an unknown caller"
        let operation = event.fields.text(of: .operation, in: event.row)
        let target = nonEmpty(event.fields.text(of: .resource, in: event.row)) ?? "a resource"
        return "\(who) of namespace \(namespace): \(operation) on \(target), owned by namespace \(owner)"
    }

    static func firstSeenSummary(_ pairs: [GroupValue], event: RuleRunner.Arrival) -> String {
        let combination = pairs.map { "\($0.field)=\($0.value.isEmpty ? "(none)" : $0.value)" }.joined(separator: ", ")
        return "first time seen: \(combination) (\(event.fields.text(of: .operation, in: event.row)))"
    }

    static func thresholdSummary(_ count: Int, values: [String], rule: Rule) -> String {
        "\(count) events for \(group(values, rule: rule)) within \(rule.window?.description ?? "")"
    }

    static func distinctSummary(_ count: Int, field: RuleField, values: [String], rule: Rule) -> String {
        "\(count) distinct \(field.description) values for \(group(values, rule: rule)) within \(rule.window?.description ?? "")"
    }

    static func spikeSummary(_ count: Int, mean: Double, values: [String], rule: Rule) -> String {
        let ratio = mean > 0 ? "\(Int((Double(count) / mean).rounded()))× the baseline of \(Int(mean.rounded()))"
            : "no activity in the baseline"
        return "\(count) events for \(group(values, rule: rule)) in \(rule.window?.description ?? ""): \(ratio)"
    }

    static func absenceSummary(values: [String], since: Timestamp, rule: Rule) -> String {
        "no events for \(group(values, rule: rule)) since \(since.rfc3339) (over \(rule.window?.description ?? ""))"
    }

    private static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }
}
