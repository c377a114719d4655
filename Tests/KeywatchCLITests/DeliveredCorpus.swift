import Foundation
import KeywatchTestSupport

/// A few hours of both clouds' logs ending at a given time, and the order real pipelines deliver
/// them in (`Tests/Fixtures/generate-delivered-corpus.py`): whole CloudTrail files put in place
/// 5–15 minutes after their events, Key Vault blobs appended 5–10 minutes behind.
struct DeliveredCorpus {
    /// One file put in place, or one piece appended to a blob.
    struct Delivery: Decodable {
        /// When the pipeline delivers it, in epoch seconds of event time.
        var at: Double
        /// Its path under the tailed folders: `cloudtrail/AWSLogs/…` or `keyvault/resourceId=/…`.
        var path: String
        /// `file` (written elsewhere and renamed into place, as S3 sync does) or `append`.
        var mode: String
        var piece: String
        /// Records in it.
        var events: Int
    }

    let staging: String
    let deliveries: [Delivery]

    /// Generates the corpus ending at `end` (epoch seconds) into `staging`.
    init(end: Int, hours: Double, in staging: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("Tests/Fixtures/generate-delivered-corpus.py").path,
                             staging, "--end", "\(end)", "--hours", "\(hours)"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw GeneratorFailed(status: process.terminationStatus) }
        self.staging = staging
        let plan = try String(contentsOfFile: staging + "/plan.jsonl", encoding: .utf8)
        deliveries = try plan.split(separator: "\n").map { try JSONDecoder().decode(Delivery.self, from: Data($0.utf8)) }
    }

    var events: Int { deliveries.reduce(0) { $0 + $1.events } }

    /// Makes `delivery` under `root` as its pipeline would: a CloudTrail file appears whole (written
    /// beside the staging pieces, then renamed: one file system), a Key Vault piece is appended.
    func deliver(_ delivery: Delivery, under root: String) throws {
        let target = root + "/" + delivery.path
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: staging + "/" + delivery.piece))
        if delivery.mode == "file" {
            let partial = staging + "/partial"
            try bytes.write(to: URL(fileURLWithPath: partial))
            guard rename(partial, target) == 0 else { throw DeliveryFailed(path: target, errno: errno) }
        } else {
            if !FileManager.default.fileExists(atPath: target), !FileManager.default.createFile(atPath: target, contents: nil) {
                throw DeliveryFailed(path: target, errno: errno)
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
            try handle.seekToEnd()
            try handle.write(contentsOf: bytes)
            try handle.close()
        }
    }

    struct GeneratorFailed: Error, CustomStringConvertible {
        var status: Int32
        var description: String { "generate-delivered-corpus.py exited with status \(status)" }
    }

    struct DeliveryFailed: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "cannot deliver \(path): \(String(cString: strerror(errno)))" }
    }
}

/// An alert as `keywatch alerts list --format json` prints it: what identifies it, and what to
/// show when one store has it and another not.
struct ListedAlert: Hashable, CustomStringConvertible {
    var key: String
    var rule: String
    var group: String
    var window: String
    var firstSeen: String
    var count: Int

    var description: String { "\(rule) group \(group) window \(window) first seen \(firstSeen) count \(count)" }

    /// Every alert in the store at `db`.
    static func all(in db: String) throws -> [ListedAlert] {
        let run = try keywatch(["alerts", "list", "--db", db, "--limit", "0", "--format", "json"])
        return run.stdout.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            func text(_ value: Any?) -> String {
                guard let value else { return "" }
                if let string = value as? String { return string }
                let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])) ?? Data()
                return String(decoding: data, as: UTF8.self)
            }
            return ListedAlert(key: text(object["key"]), rule: text(object["rule"]), group: text(object["group"]),
                               window: text(object["window"]), firstSeen: text(object["first_seen"]),
                               count: object["count"] as? Int ?? -1)
        }
    }
}

/// The ids of the rules in the repository's `rules/` files.
func defaultRuleIDs() throws -> Set<String> {
    let folder = repositoryRoot.appendingPathComponent("rules")
    var ids: Set<String> = []
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".yaml") {
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- id:") { ids.insert(trimmed.dropFirst(5).trimmingCharacters(in: .whitespaces)) }
        }
    }
    return ids
}
