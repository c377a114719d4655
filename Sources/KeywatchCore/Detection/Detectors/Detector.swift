/// A rule type: the keys its rules have in YAML, and what it makes of the events their `where`
/// and `unless` let through. One file per type (`MatchDetector.swift`, `ThresholdDetector.swift`…),
/// listed once in ``DetectorRegistry``.
///
/// A detector says *what* a rule means; the engine's ``RuleRunner`` does the rest for every type
/// alike — groups by `group_by` and their cap, windows of event time and `lateness`, `suppress`,
/// evidence, alert keys, forgetting quiet groups. A detector never sees a batch, a slot or a
/// memo: only an ``EventView`` of the event at hand, and the state of its group.
///
/// A detector adopts one of three ways of counting, each a protocol of its own:
///
/// - ``EventDetector``: each event on its own is a finding or not (`match`, `cross_namespace`,
///   `outside_profile`, `first_seen`, `change`). Without `suppress` each finding is an alert; with it, one alert per group and
///   period, later findings joining it.
/// - ``WindowDetector``: events are counted per group in windows of event time (`window: 10m`
///   counts 10:00–10:10, 10:10–10:20…), and the detector says when a window fires (`threshold`,
///   `distinct`, `spike`). A window fires once; later events of it join its alert.
/// - ``SilenceDetector``: the group's newest event is kept, and the detector describes the alert
///   raised when none follows within the window (`absence`).
///
/// ## Adding a rule type
///
/// Say a team wants `off_hours`: an event outside working hours. Each event decides on its own,
/// so it is an ``EventDetector``. Its file, `Detectors/OffHoursDetector.swift`:
///
/// ```swift
/// /// `type: off_hours` — an event outside the working hours `hours: 8-18` (UTC).
/// struct OffHoursDetector: EventDetector {
///     static let type = "off_hours"
///     static let keys = ["hours"]
///
///     let hours: Range<Int>
///
///     init(reading rule: RuleSettings) throws(ConfigurationError) {
///         let bounds = (try rule.text("hours") ?? "8-18").split(separator: "-").compactMap { Int($0) }
///         guard bounds.count == 2, bounds[0] < bounds[1], bounds[1] <= 24 else {
///             throw rule.problem("hours", "expected working hours as start-end, e.g. 8-18")
///         }
///         hours = bounds[0]..<bounds[1]
///     }
///
///     func finding(for event: EventView, of rule: Rule, memory: inout RuleMemory) -> Finding? {
///         let hour = Int(floorDivide(event.time.microseconds, 3_600_000_000) % 24 + 24) % 24
///         guard !hours.contains(hour) else { return nil }
///         return Finding(summary: "\(MatchDetector.summary(of: event)) at \(hour):00 UTC, outside working hours",
///                        details: [AlertDetail("hour", .integer(hour))])
///     }
/// }
/// ```
///
/// and one line in ``DetectorRegistry/standard``: `OffHoursDetector.self`. Nothing else changes:
/// the rule file reader learns the type and its keys from the detector (an unknown key or type is
/// an error naming the known ones); `group_by`, `suppress`, alert keys and evidence work as for
/// every type. Were it a ``WindowDetector``, a rule without a `window` would be refused. Its tests
/// go beside the others (`DetectionTests.swift`: events in, alerts out, through
/// ``DetectionEngine``; `RuleFileTests.swift`: its keys' errors), and a rule of the type under
/// `rules/` carries `tests:` of its own for `keywatch rules test`. (`DetectorTests.swift` runs
/// this very example.)
///
/// What a detector keeps is in ``GroupState`` (per group: windows, their counts, evidence and
/// collected values, closed windows' counts when ``WindowDetector/history`` asks for them) and in
/// ``RuleMemory`` (per rule: what it has learned). State is stored with each commit, so a type that
/// needs something neither holds adds it there and to the state's coding.
protocol Detector: Sendable {
    /// The rule type's name: a rule's `type:`.
    static var type: String { get }
    /// The keys a rule of this type has beyond those every rule has (`id`, `where`, `window`…).
    static var keys: [String] { get }
    /// Whether a rule of this type needs a `window` (the ``WindowDetector`` and ``SilenceDetector`` ones do).
    static var needsWindow: Bool { get }
    /// Whether a rule of this type needs `where` conditions.
    static var needsConditions: Bool { get }

    /// Reads a rule's own ``keys``.
    /// - Throws: the first problem, naming the file, line and key.
    init(reading rule: RuleSettings) throws(ConfigurationError)

    /// Fields the detector reads from an event beyond the rule's conditions and `group_by`: the
    /// engine parses the raw record for those that are `raw.<path>`.
    var fields: [RuleField] { get }

    /// The engine's runner for `rule`, of this type. ``EventDetector``, ``WindowDetector`` and
    /// ``SilenceDetector`` supply it: a detector adopts one of them, and one that adopts none does
    /// not compile.
    func runner(for rule: Rule, groups: GroupResolver) -> RuleRunner
}

extension Detector {
    static var needsWindow: Bool { false }
    static var needsConditions: Bool { true }
    var fields: [RuleField] { [] }
}

/// What a finding puts in its alert: the one-line summary and the type's details.
struct Finding {
    var summary: String
    var details: [AlertDetail]
}
