extension Alert {
    /// The alert as one line of JSON, keys in docs/alerts.md's order.
    public var json: String {
        // An alert is mostly its 20 evidence keys and fixed fields: about a kilobyte.
        var writer = JSONWriter(reservingCapacity: 1024 + events.reduce(0) { $0 + $1.utf8.count + 3 })
        write(to: &writer)
        return writer.string
    }

    /// Writes the alert as one JSON object, keys in docs/alerts.md's order; ``init(json:)`` reads it back.
    /// A resolved alert adds `resolved_at` after its `status`; a firing one has no such member,
    /// so that every alert raised reads as it always did.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", id)
        writer.field("key", key)
        writer.field("rule", rule)
        writer.field("title", title)
        writer.field("severity", severity.rawValue)
        writer.field("status", status.rawValue)
        if let resolvedAt { writer.field("resolved_at", resolvedAt.rfc3339) }
        writer.key("group")
        writer.beginObject()
        for value in group { writer.field(value.field, value.value) }
        writer.endObject()
        writer.field("count", count)
        writer.key("window")
        if let window {
            writer.beginObject()
            writer.field("start", window.start.rfc3339)
            writer.field("end", window.end.rfc3339)
            writer.endObject()
        } else {
            writer.value(nil as String?)
        }
        writer.field("first_seen", firstSeen.rfc3339)
        writer.field("last_seen", lastSeen.rfc3339)
        writer.field("summary", summary)
        writer.key("details")
        writer.beginObject()
        for detail in details {
            writer.key(detail.name)
            switch detail.value {
            case .text(let text): writer.value(text)
            case .integer(let number): writer.value(number)
            case .number(let number): writer.value(number)
            case .list(let items):
                writer.beginArray()
                for item in items { writer.value(item) }
                writer.endArray()
            case .changes(let changes):
                writer.beginObject()
                for change in changes {
                    writer.key(change.name)
                    writer.beginArray()
                    writer.value(change.old)
                    writer.value(change.new)
                    writer.endArray()
                }
                writer.endObject()
            }
        }
        writer.endObject()
        writer.key("events")
        writer.beginArray()
        for event in events { writer.value(event) }
        writer.endArray()
        writer.field("rule_file", ruleFile)
        writer.field("rule_sha256", ruleSHA256)
        writer.endObject()
    }
}
