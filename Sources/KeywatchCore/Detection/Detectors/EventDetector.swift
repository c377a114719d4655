/// A rule type whose events are findings each on their own: `match`, `cross_namespace`,
/// `outside_profile`, `first_seen`, `change`.
///
/// Without `suppress`, each finding is an alert of its own; with it, a group's findings of one
/// period join one alert. Rules of these types need no `window`.
protocol EventDetector: Detector {
    /// Whether `event`, which `rule`'s conditions count, is a finding, and what its alert says;
    /// nil when it is not. `memory` is what the rule has learned from earlier events.
    func finding(for event: EventView, of rule: Rule, memory: inout RuleMemory) -> Finding?
}
