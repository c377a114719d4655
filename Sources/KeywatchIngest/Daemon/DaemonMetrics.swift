import Foundation
import KeywatchCore
import KeywatchStore

/// What the daemon has done, for `GET /metrics` in the Prometheus text format.
///
/// Counters are updated from the writer, tailer and HTTP threads under one lock; they are few
/// and updated per batch, not per event, so the lock is never hot.
public final class DaemonMetrics: @unchecked Sendable {
    private struct SourceOutcome: Hashable {
        var source: EventSource
        var outcome: Outcome
    }

    private let lock = NSLock()
    private var events: [SourceOutcome: Int] = [:]
    private var duplicates = 0
    private var skipped = 0
    private var rejects = 0
    private var alerts: [String: Int] = [:]
    private var resolvedAlerts: [String: Int] = [:]
    private var requests: [Int: Int] = [:]
    private var replays = 0
    private var httpConnections = 0
    private var droppedConnections: [HTTPConnectionDrop: Int] = [:]
    private var filesTailed = 0
    private var bytesBehind: Int64 = 0
    private var unreadableFiles = 0
    private var unreadableDirectories = 0
    private var tailSkipped: [String: Int] = [:]
    private var commits = 0
    private var deliveries: [String: [String: Int]] = [:]
    private var outboxDepth: [String: Int] = [:]
    private var detection: DetectionReport?
    private var inputWatermarks: [String: InputWatermarks.Watermark] = [:]
    private var inputsCaughtUp: [String: Bool] = [:]
    private var cloudInputs: [String: InputActivity] = [:]

    public init() {}

    /// A committed batch: its new events by source and outcome, duplicates, skips and rejects.
    public func count(_ batch: EventBatch, written: BatchWriteResult) {
        var tally: [SourceOutcome: Int] = [:]
        for position in written.newRows {
            let row = batch.rows[position]
            tally[SourceOutcome(source: row.source, outcome: row.outcome), default: 0] += 1
        }
        lock.withLock {
            for (key, count) in tally { events[key, default: 0] += count }
            duplicates += written.counts.duplicates
            skipped += batch.skippedCount
            rejects += written.counts.rejected
            commits += 1
        }
    }

    /// What detection has left out so far, and its groups against their cap.
    public func setDetection(_ report: DetectionReport) {
        lock.withLock { detection = report }
    }

    /// How far each input has delivered, as detection's clock sees it.
    public func setInputs(_ watermarks: InputWatermarks, at now: Timestamp) {
        lock.withLock {
            for input in watermarks.inputs.keys {
                inputWatermarks[input] = watermarks.watermark(of: input, at: now)
                inputsCaughtUp[input] = watermarks.inputs[input]?.caughtUp ?? false
            }
        }
    }

    /// Alerts raised (new to the store), and resolutions of alerts raised before.
    public func count(_ raised: [Alert]) {
        lock.withLock {
            for alert in raised {
                if alert.status == .resolved { resolvedAlerts[alert.rule, default: 0] += 1 } else { alerts[alert.rule, default: 0] += 1 }
            }
        }
    }

    /// A delivery's outcome (`delivered`, `retrying`, `dead`) at `sink`, and what is still pending there.
    public func countDelivery(sink: String, result: String, pending: Int) {
        lock.withLock {
            deliveries[sink, default: [:]][result, default: 0] += 1
            outboxDepth[sink] = pending
        }
    }

    /// New deliveries committed to each of `sinks` (alerts raised).
    public func addPending(_ count: Int, sinks: [String]) {
        lock.withLock { for sink in sinks { outboxDepth[sink, default: 0] += count } }
    }

    /// An HTTP request answered with `status`.
    public func countRequest(status: Int) {
        lock.withLock { requests[status, default: 0] += 1 }
    }

    /// Pushes answered from their idempotency key: a retry of a batch already stored.
    public func countReplays(_ count: Int) {
        lock.withLock { replays += count }
    }

    /// HTTP connections open now.
    public func setHTTPConnections(_ count: Int) {
        lock.withLock { httpConnections = count }
    }

    /// An HTTP connection the server closed on purpose, and why (``HTTPConnectionDrop``).
    public func countDroppedConnection(_ reason: HTTPConnectionDrop) {
        lock.withLock { droppedConnections[reason, default: 0] += 1 }
    }

    /// The tailer's view after a pass: files followed, bytes written to them not yet read, files
    /// and directories that cannot be read now, and entries not tailed on purpose, by why.
    public func setTailing(files: Int, bytesBehind: Int64, unreadableFiles: Int = 0, unreadableDirectories: Int = 0,
                           skipped: [String: Int] = [:]) {
        lock.withLock {
            filesTailed = files
            self.bytesBehind = bytesBehind
            self.unreadableFiles = unreadableFiles
            self.unreadableDirectories = unreadableDirectories
            tailSkipped = skipped
        }
    }

    /// Updates what the cloud input `input` has read (``InputActivity``), under the lock.
    public func updateInput(_ input: String, _ update: (inout InputActivity) -> Void) {
        lock.withLock { update(&cloudInputs[input, default: InputActivity()]) }
    }

    /// Events stored so far (all sources and outcomes).
    public var eventsStored: Int { lock.withLock { events.values.reduce(0, +) } }

    /// The exposition text, with `writerBacklog` requests waiting for the writer.
    public func exposition(writerBacklog: Int) -> String {
        lock.withLock {
            var text = ""
            /// A metric family: its help, its type, and its samples (`labels` in braces, or none).
            func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
                text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
                for sample in samples { text += "\(name)\(sample.labels.isEmpty ? "" : "{\(sample.labels)}") \(sample.value)\n" }
            }
            /// One sample per key, labelled `label="<key>"`, in key order.
            func samples(_ label: String, _ counts: [String: Int]) -> [(labels: String, value: String)] {
                counts.sorted { $0.key < $1.key }.map { ("\(label)=\"\(Self.escaped($0.key))\"", "\($0.value)") }
            }
            family("keywatch_events_total", "counter", "Events stored, by source and outcome.",
                   EventSource.allCases.flatMap { source in
                       Outcome.allCases.map { outcome in
                           ("source=\"\(source.rawValue)\",outcome=\"\(outcome.rawValue)\"",
                            "\(events[SourceOutcome(source: source, outcome: outcome)] ?? 0)")
                       }
                   })
            family("keywatch_duplicates_total", "counter", "Records already stored, read or pushed again.", [("", "\(duplicates)")])
            family("keywatch_skipped_total", "counter", "Records skipped (CloudTrail events of other services).", [("", "\(skipped)")])
            family("keywatch_rejects_total", "counter", "Records rejected as unreadable (see the rejects table).", [("", "\(rejects)")])
            family("keywatch_alerts_total", "counter", "Alerts raised, by rule.",
                   samples("rule", alerts))
            family("keywatch_alerts_resolved_total", "counter", "Alerts resolved (a silent pipeline's events returned), by rule.",
                   samples("rule", resolvedAlerts))
            family("keywatch_http_requests_total", "counter", "Requests to POST /v1/events, by status.",
                   requests.sorted { $0.key < $1.key }.map { ("status=\"\($0.key)\"", "\($0.value)") })
            family("keywatch_http_replays_total", "counter",
                   "Pushes whose Idempotency-Key came with the same body before: answered again, nothing stored.",
                   [("", "\(replays)")])
            family("keywatch_http_connections", "gauge", "HTTP connections open.", [("", "\(httpConnections)")])
            family("keywatch_http_connections_dropped_total", "counter",
                   "HTTP connections closed by the server, by reason: header_timeout (no complete request head in time), "
                       + "evicted (an idle connection closed to admit a new one at max_connections), "
                       + "refused (at max_connections with every connection busy).",
                   HTTPConnectionDrop.allCases.map { ("reason=\"\($0.rawValue)\"", "\(droppedConnections[$0] ?? 0)") })
            family("keywatch_commits_total", "counter", "Transactions committed by the writer.", [("", "\(commits)")])
            family("keywatch_files_tailed", "gauge", "Files followed by the tailer.", [("", "\(filesTailed)")])
            family("keywatch_bytes_behind", "gauge", "Bytes written to tailed files and not yet read.", [("", "\(bytesBehind)")])
            family("keywatch_tail_unreadable", "gauge",
                   "Files and directories under the tail roots that cannot be read now (each logged once; read once they can be).",
                   [("kind=\"file\"", "\(unreadableFiles)"), ("kind=\"directory\"", "\(unreadableDirectories)")])
            family("keywatch_tail_skipped", "gauge",
                   "Entries under the tail roots not tailed at the last scan, by why: symlink (follow_links is off), outside-root, not-regular, broken-link.",
                   TailTree.Skip.allCases.map { ("reason=\"\($0.rawValue)\"", "\(tailSkipped[$0.rawValue] ?? 0)") })
            family("keywatch_writer_backlog", "gauge", "Batches waiting for the writer.", [("", "\(writerBacklog)")])
            if let detection {
                let rules = detection.rules.sorted { $0.rule < $1.rule }
                family("keywatch_detection_late_events_total", "counter",
                       "Events not counted because they came more than their rule's lateness behind their group's newest event, by rule.",
                       rules.map { ("rule=\"\(Self.escaped($0.rule))\"", "\($0.late)") })
                family("keywatch_detection_refused_events_total", "counter",
                       "Events not counted because the group cap (or a first_seen rule's cap) was reached, by rule.",
                       rules.map { ("rule=\"\(Self.escaped($0.rule))\"", "\($0.refused)") })
                family("keywatch_detection_groups", "gauge", "Groups detection keeps, over all rules.", [("", "\(detection.liveGroups)")])
                family("keywatch_detection_groups_max", "gauge", "The cap on groups (max_groups).", [("", "\(detection.maximumGroups)")])
                if let clock = detection.clock {
                    family("keywatch_detection_clock_seconds", "gauge",
                           "Detection's clock: the event time up to which groups are looked at (the slowest input's watermark), in Unix seconds.",
                           [("", Self.seconds(clock))])
                }
            }
            let inputs = inputWatermarks.keys.sorted()
            family("keywatch_input_watermark_seconds", "gauge",
                   "Each input's watermark: the event time it has delivered up to (moved on by the wall clock while it is idle), in Unix seconds; absent while it has delivered nothing.",
                   inputs.compactMap { input in
                       guard case .at(let time) = inputWatermarks[input] else { return nil }
                       return ("input=\"\(Self.escaped(input))\"", Self.seconds(time))
                   })
            family("keywatch_input_caught_up", "gauge",
                   "1 when an input has nothing more to deliver now (every file read to its end, no push waiting), else 0.",
                   inputs.map { ("input=\"\(Self.escaped($0))\"", inputsCaughtUp[$0] == true ? "1" : "0") })
            let cloud = cloudInputs.sorted { $0.key < $1.key }
            /// One sample per cloud input of `value`, when it has one.
            func perInput(_ value: (InputActivity) -> String?) -> [(labels: String, value: String)] {
                cloud.compactMap { input, activity in value(activity).map { ("input=\"\(Self.escaped(input))\"", $0) } }
            }
            family("keywatch_input_messages_total", "counter", "Queue or Kafka messages received, by cloud input.",
                   perInput { "\($0.messages)" })
            family("keywatch_input_messages_skipped_total", "counter",
                   "Messages that named nothing to read (test events, CloudTrail digests, other S3 events), by cloud input and reason.",
                   cloud.flatMap { input, activity in
                       samples("reason", activity.skippedMessages).map { ("input=\"\(Self.escaped(input))\",\($0.labels)", $0.value) }
                   })
            family("keywatch_input_objects_total", "counter", "S3 objects read whole, by cloud input.", perInput { "\($0.objects)" })
            family("keywatch_input_bytes_total", "counter", "Bytes fetched (compressed as stored), by cloud input.",
                   perInput { "\($0.bytes)" })
            family("keywatch_input_lag_seconds", "gauge",
                   "Age of the oldest message of a queue's last receive, in seconds: how far behind its notifications the input reads.",
                   perInput { $0.lagSeconds.map { String(format: "%.3f", $0) } })
            family("keywatch_input_lag_messages", "gauge",
                   "Messages waiting: a queue's approximate visible messages, or a Kafka consumer's lag summed over its partitions.",
                   perInput { $0.lagMessages.map { "\($0)" } })
            family("keywatch_outbox_depth", "gauge", "Alert deliveries not yet done, by sink.",
                   samples("sink", outboxDepth))
            family("keywatch_deliveries_total", "counter", "Delivery attempts' outcomes, by sink and result.",
                   deliveries.sorted { $0.key < $1.key }.flatMap { sink, results in
                       samples("result", results).map { ("sink=\"\(Self.escaped(sink))\",\($0.labels)", $0.value) }
                   })
            return text
        }
    }

    static func seconds(_ time: Timestamp) -> String {
        String(format: "%.3f", Double(time.microseconds) / 1_000_000)
    }

    /// A label value as the exposition format wants it (rule ids come from files users edit).
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Why the server closed an HTTP connection on its own.
public enum HTTPConnectionDrop: String, CaseIterable, Sendable {
    /// The request head did not arrive complete within `http.header_timeout`.
    case headerTimeout = "header_timeout"
    /// At `http.max_connections`, the connection idle longest was closed for a new one.
    case evicted
    /// At `http.max_connections` with no idle connection to close, the new one was closed.
    case refused
}
