/// `type: absence` — a log pipeline that sent steadily goes quiet for the window: the trail or
/// diagnostic setting switched off, or an export broken.
///
/// Only a steady group can go silent: one that has sent `min_events` events and never before
/// gone quiet for more than half the window. A sparse group — a handful of calls whenever pods
/// start — or a one-off never does. The alert says how often the group usually sent. It fires
/// once per silence and resolves when the group's events return (`status: resolved`,
/// `resolved_at`); the group must then show its rhythm again before it can go silent again.
struct AbsenceDetector: SilenceDetector {
    static let type = "absence"
    static let keys = ["min_events"]
    /// Any event can be the one whose silence matters: `where` may narrow them, or not.
    static let needsConditions = false

    /// Events a group must have sent before its silence counts.
    let minimumEvents: Int

    init(reading rule: RuleSettings) throws(ConfigurationError) {
        minimumEvents = try rule.count("min_events") ?? 10
    }

    func finding(silentSince since: Timestamp, of group: GroupState, values: [String], rule: Rule) -> Finding? {
        guard let rhythm = group.windows.first, rhythm.count >= minimumEvents, let window = rule.window,
              rhythm.longestGap.microseconds * 2 <= window.microseconds else { return nil }
        let usualGap = rhythm.count > 1
            ? EventDuration(microseconds: (rhythm.last.microseconds - rhythm.first.microseconds) / Int64(rhythm.count - 1)) : nil
        let usually = usualGap.map { "; it usually sends an event every \($0.description)" } ?? ""
        return Finding(
            summary: "no events for \(rule.describeGroup(values)) since \(since.rfc3339) (over \(rule.windowText)\(usually))",
            details: [AlertDetail("last_event", .text(since.rfc3339)), AlertDetail("silent_for", .text(rule.windowText)),
                      AlertDetail("usual_gap", .text(usualGap?.description ?? "")),
                      AlertDetail("longest_gap", .text(rhythm.longestGap.description)),
                      AlertDetail("events_seen", .integer(rhythm.count))])
    }
}
