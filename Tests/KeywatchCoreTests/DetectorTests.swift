import Testing
@testable import KeywatchCore

/// The example of ``Detector``'s documentation, as written there: a new rule type is its own file
/// and a registry entry, with nothing else to change.
struct OffHoursDetector: EventDetector {
    static let type = "off_hours"
    static let keys = ["hours"]

    let hours: Range<Int>

    init(reading rule: RuleSettings) throws(ConfigurationError) {
        let bounds = (try rule.text("hours") ?? "8-18").split(separator: "-").compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] < bounds[1], bounds[1] <= 24 else {
            throw rule.problem("hours", "expected working hours as start-end, e.g. 8-18")
        }
        hours = bounds[0]..<bounds[1]
    }

    func finding(for event: EventView, of rule: Rule, memory: inout RuleMemory) -> Finding? {
        let hour = Int(floorDivide(event.time.microseconds, 3_600_000_000) % 24 + 24) % 24
        guard !hours.contains(hour) else { return nil }
        return Finding(summary: "\(MatchDetector.summary(of: event)) at \(hour):00 UTC, outside working hours",
                       details: [AlertDetail("hour", .integer(hour))])
    }
}

@Suite("Detectors")
struct DetectorTests {
    private static let types = DetectorRegistry(DetectorRegistry.standard.detectors + [OffHoursDetector.self])

    private static func rules(_ body: String) throws(ConfigurationProblems) -> [Rule] {
        try RuleFile.parse("rules:\n  - id: night\n    where: {source: aws.kms}\n" + body, file: "night.yaml", types: types)
    }

    @Test("a type added to a registry reads its keys, and runs with group_by and suppress like any other")
    func aNewTypeIsItsFileAndARegistryLine() throws {
        let rules = try Self.rules("    type: off_hours\n    hours: 8-18\n    group_by: [principal]\n    suppress: 1h\n")
        // 09:00 and 09:30 are inside working hours; 19:00, 19:10 (joining the first) and 20:06:40 (a new period) are not.
        let times = [0, 1800, 36000, 36600, 40_000]
        let alerts = detect(rules, [times.map { kmsCall(at: at($0)) }])
        #expect(alerts.map(\.count) == [2, 1])
        #expect(alerts.first?.summary.hasSuffix("at 19:00 UTC, outside working hours") == true)
        #expect(alerts.first?.details == [AlertDetail("hour", .integer(19))])
        #expect(alerts.first?.group.map(\.field) == ["principal"])
    }

    @Test("its keys' problems name the key; an unknown type lists every known one, the new one too")
    func keysAndTypesAreChecked() {
        #expect(throws: ConfigurationProblems.self) { try Self.rules("    type: off_hours\n    hours: 18-8\n") }
        let badHours = #expect(throws: ConfigurationProblems.self) { try Self.rules("    type: off_hours\n    hours: late\n") }?.problems.first
        #expect(badHours?.rule == "night" && badHours?.key == "hours" && badHours?.message.contains("start-end") == true)
        let otherTypesKey = #expect(throws: ConfigurationProblems.self) {
            try Self.rules("    type: off_hours\n    window: 1h\n    min_count: 3\n")
        }
        #expect(otherTypesKey?.description.contains("min_count") == true)
        let unknown = #expect(throws: ConfigurationProblems.self) { try Self.rules("    type: nightly\n") }?.problems.first
        #expect(unknown?.message.contains("absence, change, cross_namespace, distinct, first_seen, match, off_hours, outside_profile, spike, threshold") == true)
        // The standard registry does not know it.
        #expect(throws: ConfigurationProblems.self) {
            try RuleFile.parse("rules:\n  - id: night\n    type: off_hours\n    where: {source: aws.kms}\n", file: "night.yaml")
        }
    }

    @Test("every standard type's name is its own, and a window or silence type without a window is refused")
    func standardTypes() throws {
        let names = DetectorRegistry.standard.names
        #expect(Set(names).count == names.count && names.count == 9)
        let ownKeys = ["threshold": "threshold: 5", "distinct": "field: resource\n    threshold: 5", "spike": "baseline: 24h", "absence": ""]
        for type in DetectorRegistry.standard.detectors where type.needsWindow {
            let keys = try #require(ownKeys[type.type], "\(type.type) needs a window: give the test its keys")
            let refused = #expect(throws: ConfigurationProblems.self) {
                try RuleFile.parse("rules:\n  - id: a\n    type: \(type.type)\n    where: {source: aws.kms}\n    \(keys)\n", file: "a.yaml")
            }?.problems.first
            #expect(refused?.message.hasPrefix("missing 'window'") == true, "\(type.type): \(refused?.message ?? "")")
        }
    }
}
