import KeywatchCore
import KeywatchStore

/// `keywatch keys`'s entries as a table, CSV rows and JSON objects.
enum KeyInventoryRows {
    /// How many users a table's cell names; the rest are counted.
    static let namedUsers = 3

    /// The table, overdue and rotation-off rows marked in capitals and, on a terminal, in colour.
    static func table(_ entries: [KeyInventoryEntry]) -> Table {
        var table = Table(headers: ["STATUS", "TYPE", "NAME", "VAULT/ACCOUNT", "USERS", "USES", "LAST USE", "LAST VERSION",
                                    "AGE", "OF POLICY", "POLICY", "ROTATIONS", "CADENCE", "AUTO-ROTATE"])
        table.keepWhole = [0, 1, 5, 6, 8, 9, 10, 11, 13]
        if Terminal.colours { table.colours[0] = colour(ofStatus:) }
        for entry in entries {
            let lastVersion = entry.lastVersion.map { "\(day($0.time)) \($0.operation)" }
            let cadence = entry.cadenceMean.map { mean in
                "\(span(mean))" + (entry.intervals.count > 1 ? " (max \(span(entry.cadenceLongest ?? mean)))" : "")
            }
            let identity = entry.identity
            table.append([statusText(entry.status), identity.resourceType.rawValue, identity.objectName ?? identity.resource, identity.scope,
                          users(entry), Numbers.grouped(entry.uses), entry.lastUse.map(day), lastVersion,
                          (entry.ageIsLowerBound ? ">=" : "") + span(entry.age), policyBar(entry), span(entry.policy), String(entry.rotations),
                          cadence, entry.rotation.rawValue])
        }
        return table
    }

    static let csvHeader = ["status", "type", "name", "resource", "source", "scope", "account", "region", "users", "user_count",
                            "uses", "last_use", "first_seen", "last_version", "last_version_operation", "versions", "rotations",
                            "cadence_mean_seconds", "cadence_longest_seconds", "rotation", "rotation_said", "policy_seconds",
                            "age_seconds", "age_is_lower_bound", "deleted"]

    static func csv(_ entry: KeyInventoryEntry) -> String {
        let identity = entry.identity
        return CSV.line([entry.status.rawValue, identity.resourceType.rawValue, identity.objectName, identity.resource,
                         identity.source.rawValue, identity.scope, identity.account, identity.region,
                         entry.users.map { "\($0.label) (\($0.uses))" }.joined(separator: "; "), String(entry.users.count),
                         String(entry.uses), entry.lastUse?.rfc3339, entry.firstSeen.rfc3339, entry.lastVersion?.time.rfc3339,
                         entry.lastVersion?.operation, String(entry.versions.count), String(entry.rotations),
                         entry.cadenceMean.map(seconds), entry.cadenceLongest.map(seconds), entry.rotation.rawValue,
                         entry.rotationSaid.map { "\($0.time.rfc3339) \($0.operation)" }, seconds(entry.policy), seconds(entry.age),
                         String(entry.ageIsLowerBound), entry.deleted.map { "\($0.time.rfc3339) \($0.operation)" }])
    }

    /// One object on one line, every key always present (null when unknown).
    static func json(_ entry: KeyInventoryEntry) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("status", entry.status.rawValue)
        writer.key("overdue")
        writer.value(entry.overdue)
        writer.field("type", entry.identity.resourceType.rawValue)
        writer.field("name", entry.identity.objectName)
        writer.field("resource", entry.identity.resource)
        writer.field("source", entry.identity.source.rawValue)
        writer.field("scope", entry.identity.scope)
        writer.field("account", entry.identity.account)
        writer.field("region", entry.identity.region)
        writer.key("users")
        writer.beginArray()
        for user in entry.users {
            writer.beginObject()
            writer.field("principal", user.principal)
            writer.field("name", user.label)
            writer.field("namespace", user.namespace)
            writer.field("service_account", user.serviceAccount)
            writer.field("uses", user.uses)
            writer.field("last_use", user.lastUse.rfc3339)
            writer.endObject()
        }
        writer.endArray()
        writer.field("uses", entry.uses)
        writer.field("last_use", entry.lastUse?.rfc3339)
        writer.field("first_seen", entry.firstSeen.rfc3339)
        writer.key("versions")
        writer.beginArray()
        for version in entry.versions { event(version, to: &writer) }
        writer.endArray()
        writer.field("last_version", entry.lastVersion?.time.rfc3339)
        writer.field("last_version_operation", entry.lastVersion?.operation)
        writer.field("rotations", entry.rotations)
        writer.field("cadence_mean_seconds", entry.cadenceMean.map(\.seconds))
        writer.field("cadence_longest_seconds", entry.cadenceLongest.map(\.seconds))
        writer.field("rotation", entry.rotation.rawValue)
        writer.key("rotation_said")
        if let said = entry.rotationSaid { event(said, to: &writer) } else { writer.value(nil as String?) }
        writer.key("deleted")
        if let deleted = entry.deleted { event(deleted, to: &writer) } else { writer.value(nil as String?) }
        writer.field("policy_seconds", entry.policy.seconds)
        writer.field("age_seconds", entry.age.seconds)
        writer.key("age_is_lower_bound")
        writer.value(entry.ageIsLowerBound)
        writer.endObject()
        return writer.string
    }

    private static func event(_ event: KeyLifecycleEvent, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("time", event.time.rfc3339)
        writer.field("operation", event.operation)
        writer.key("automatic")
        writer.value(event.automatic)
        writer.endObject()
    }

    static func statusText(_ status: KeyStatus) -> String {
        switch status {
        case .overdue: return "OVERDUE"
        case .rotationOff: return "ROTATION OFF"
        case .ok: return "ok"
        case .deleted: return "deleted"
        }
    }

    /// Overdue in bold red, rotation off in yellow: the rows an audit asks about.
    static func colour(ofStatus text: String) -> String? {
        switch text {
        case "OVERDUE": return "1;31"
        case "ROTATION OFF": return "33"
        default: return nil
        }
    }

    /// `checkout-irsa, payments-irsa +2`: the most frequent users' names, then how many more.
    static func users(_ entry: KeyInventoryEntry) -> String? {
        guard !entry.users.isEmpty else { return nil }
        let names = entry.users.prefix(namedUsers).map(\.label).joined(separator: ", ")
        return entry.users.count > namedUsers ? "\(names) +\(entry.users.count - namedUsers)" : names
    }

    /// A day, as an inventory reads time: `2026-11-20`.
    static func day(_ time: Timestamp) -> String { String(time.rfc3339.prefix(10)) }

    /// A span in whole days (`400d`), or hours and minutes below a day.
    /// How much of its policy a resource's age has used, as a bar that is full when it is overdue:
    /// the ones about to be due show before they are.
    static func policyBar(_ entry: KeyInventoryEntry) -> String {
        let policy = max(1, entry.policy.microseconds)
        let used = min(entry.age.microseconds, policy)
        return BarChart.bar(Int(used), of: Int(policy), width: 10)
    }

    static func span(_ duration: EventDuration) -> String {
        let seconds = duration.microseconds / 1_000_000
        if seconds >= 86_400 { return "\(seconds / 86_400)d" }
        if seconds >= 3600 { return "\(seconds / 3600)h" }
        return "\(seconds / 60)m"
    }

    private static func seconds(_ duration: EventDuration) -> String { String(duration.seconds) }
}

extension EventDuration {
    /// Whole seconds.
    var seconds: Int { Int(microseconds / 1_000_000) }
}
