extension Rule {
    /// A group as summaries name it: `principal=arn:…, scope=kv-payments-prod`, or `all events`
    /// for an ungrouped rule.
    func describeGroup(_ values: [String]) -> String {
        guard !groupBy.isEmpty else { return "all events" }
        return zip(groupBy, values).map { "\($0.description)=\($1.isEmpty ? "(none)" : $1)" }.joined(separator: ", ")
    }

    /// The group of `event` as summaries name it.
    func describeGroup(of event: EventView) -> String { describeGroup(groupValues(of: event)) }

    /// The values of `event`'s group, in `group_by` order; absent ones empty.
    func groupValues(of event: EventView) -> [String] { groupBy.map(event.text(of:)) }

    /// The window as summaries name it: `10m`.
    var windowText: String { window?.description ?? "" }
}
