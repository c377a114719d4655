import Foundation
import KeywatchAlerting
import KeywatchCore
import KeywatchStore
import KeywatchTestSupport
import Logging

/// A rule for alerts made in tests; `title` may carry anything a rule file could.
func testRule(title: String = "KMS key disabled") -> Rule {
    let yaml = """
        rules:
          - id: kms-key-destruction
            title: \(JSONText.quoted(title))
            severity: high
            type: match
            where: {operation: DisableKey}
            group_by: [principal]
        """
    return try! RuleFile.parse(yaml, file: "rules/destruction.yaml")[0]
}

/// An alert of `rule` for `principal`, with a summary that may carry anything a log could.
func testAlert(_ number: Int, rule: Rule = testRule(), summary: String? = nil) -> Alert {
    let time = Timestamp(parsing: "2026-11-20T09:00:00Z")! + EventDuration.seconds(Int64(number))
    let principal = "arn:aws:iam::111122223333:role/app-\(number)"
    return Alert(key: String(repeating: String(format: "%02x", number % 256), count: 32), rule: rule,
                 group: [GroupValue(field: "principal", value: principal)], count: 1, window: nil,
                 firstSeen: time, lastSeen: time, summary: summary ?? "DisableKey by \(principal)", details: [],
                 events: ["event-\(number)"])
}

/// A store at `path` holding `alerts`, each with an outbox row for every sink of `sinks`.
func storeWithAlerts(_ path: String, _ alerts: [Alert], sinks: [String]) throws {
    let store = try EventStore(path: path)
    store.deliverySinks = sinks
    _ = try store.transaction { () throws(StoreError) in try store.record(alerts.map { .raised($0) }, at: .now) }
}

/// Runs a worker for `sink` over the store until `done` holds for its deliveries (or `seconds` pass).
func deliver(_ sink: any AlertSink, store path: String, seconds: Double = 30,
             until done: ([Delivery]) -> Bool) throws -> [Delivery] {
    let worker = OutboxWorker(sink: sink, storePath: path, logger: Logger(label: "test"))
    worker.start()
    defer { worker.stop() }
    let outbox = try Outbox(path: path)
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if done(try outbox.deliveries(ofSink: sink.name)) { break }
        usleep(50_000)
    }
    return try outbox.deliveries(ofSink: sink.name)
}

/// JSON string quoting, which YAML's flow scalars accept too.
enum JSONText {
    static func quoted(_ text: String) -> String {
        var writer = JSONWriter()
        writer.value(text)
        return writer.string
    }
}
