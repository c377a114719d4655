import Foundation
import KeywatchCore

/// Fuzz target `rule-file`: the input as a file of the rules directory — a rules file, and the
/// identity map (`identities.yaml`) that shares its directory and YAML reader — then the valid
/// rules run over real events, the way the daemon would run them.
///
/// What must hold: every problem names its file and says what is wrong; detection raises alerts
/// that write as valid JSON; its state survives a restart (encoded, decoded, restored).
public enum RuleFileFuzzing {
    static let file = "fuzz.yaml"

    public static func run(_ bytes: [UInt8]) -> FuzzOutcome {
        // The daemon reads rule files as UTF-8 and refuses one that is not, before parsing.
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return FuzzOutcome(summary: "refused: not UTF-8")
        }
        var violations: [String] = []
        var identities = SampleEvents.shared.identities
        do {
            identities = try IdentityMap.parse(text, file: file)
        } catch {
            violations += ConfigurationFuzzing.violations(of: error, file: file)
        }
        let rules: [Rule]
        do {
            let read = try RuleFile.read(text, file: file)
            rules = read.rules
            violations += read.problems.flatMap { ConfigurationFuzzing.violations(of: $0, file: file) }
            if rules.isEmpty, let first = read.problems.first {
                return FuzzOutcome(summary: "refused: \(first)", violations: violations)
            }
        } catch {
            return FuzzOutcome(summary: "refused: \(error)", violations: violations + ConfigurationFuzzing.violations(of: error, file: file))
        }
        let alerts = detect(rules, identities: identities, violations: &violations)
        return FuzzOutcome(summary: "\(rules.count) rules: \(alerts) alerts", violations: violations)
    }

    /// Runs `rules` over the sample events and past their last, restarts detection from its
    /// stored state, and returns how many alerts it raised.
    private static func detect(_ rules: [Rule], identities: IdentityMap, violations: inout [String]) -> Int {
        let samples = SampleEvents.shared
        var batch = samples.batch
        var attribution = WorkloadAttribution(identities: identities)
        attribution.attribute(&batch)
        let engine = DetectionEngine(rules: rules)
        var ledger = AlertLedger()
        ledger.apply(engine.process(batch))
        ledger.apply(engine.advance(to: samples.end + .days(30)))
        let parser = JSONParser()
        for alert in ledger.alerts {
            if let problem = BatchContents.jsonProblem(alert.json, parser: parser) {
                violations.append("alert \(alert.id) of rule \(alert.rule) does not write as valid JSON: \(problem)")
            }
        }
        do {
            let restored = try DetectionState(decoding: engine.state.encoded())
            let restarted = DetectionEngine(rules: rules, state: restored)
            ledger.apply(restarted.process(batch))
        } catch {
            violations.append("detection state does not decode as it was encoded: \(error)")
        }
        return ledger.alerts.count
    }
}

/// Real events for the rules to run over: the repository's rule test fixtures, sample pushes and
/// external samples, decoded once; and the sample identity map.
struct SampleEvents: @unchecked Sendable {
    /// Events of both clouds, denials and bursts among them.
    let batch: EventBatch
    /// The latest event time of ``batch``.
    let end: Timestamp
    let identities: IdentityMap

    static let shared = SampleEvents()

    static let files = [
        "rules/tests/denied-burst.jsonl",
        "sample-logs/pushes/eventbridge.json",
        "Tests/Fixtures/external-samples/azure-docs/json-lines-format/PT1H.json",
        "Tests/Fixtures/external-samples/panther-analysis/kms-test-logs.jsonl",
    ]

    private init() {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var batch = EventBatch()
        for file in Self.files {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(file).path) else {
                fatalError("the fuzz sample \(file) is missing from \(root.path)")
            }
            batch.append(contentsOf: InputDecodingFuzzing.decodeStream([Array(data)[...]], decoder: RecordDecoder(), offsets: true))
        }
        self.batch = batch
        end = batch.rows.map(\.time).max() ?? Timestamp(seconds: 0)
        let map = root.appendingPathComponent("rules/identities.yaml").path
        guard let text = try? String(contentsOfFile: map, encoding: .utf8), let identities = try? IdentityMap.parse(text, file: map) else {
            fatalError("the sample identity map \(map) is missing or invalid")
        }
        self.identities = identities
    }
}
