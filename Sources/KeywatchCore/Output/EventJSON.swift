extension Event {
    /// The names of docs/events.md, in its order (`raw` last, written only when asked for).
    public static let fieldNames = fields.map(\.name)

    /// Each field of docs/events.md, in its order, with how to read it as text (nil when absent).
    private static let fields: [(name: String, text: @Sendable (Event) -> String?)] = [
        ("key", { $0.key }), ("source", { $0.source.rawValue }), ("time", { $0.time.rfc3339 }),
        ("operation", { $0.operation }), ("class", { $0.eventClass.rawValue }), ("outcome", { $0.outcome.rawValue }),
        ("status", { $0.status.map(String.init) }), ("error_code", { $0.errorCode }), ("reason", { $0.reason?.rawValue }),
        ("principal", { $0.principal }), ("principal_type", { $0.principalType?.rawValue }),
        ("principal_name", { $0.principalName }), ("app_id", { $0.appID }), ("session", { $0.session }),
        ("new_session", { $0.newSession }), ("namespace", { $0.namespace }), ("service_account", { $0.serviceAccount }),
        ("tenant", { $0.tenant }), ("account", { $0.account }),
        ("scope", { $0.scope }), ("resource", { $0.resource }), ("resource_type", { $0.resourceType.rawValue }),
        ("object_name", { $0.objectName }), ("resource_namespace", { $0.resourceNamespace }), ("ip", { $0.ip }),
        ("user_agent", { $0.userAgent }), ("region", { $0.region }), ("request_id", { $0.requestID }),
        ("origin", { $0.origin.description }),
    ]

    private static let fieldsByName = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.text) })

    /// The value of a docs/events.md field as text (nil when absent); `time` in RFC 3339.
    public func text(of field: String) -> String? {
        Self.fieldsByName[field]?(self)
    }

    /// One JSON object, on one line, with the field names of docs/events.md; `raw` (the original record)
    /// included when given — re-written compactly (``CompactJSON``), or as a JSON string when it
    /// is not valid JSON, so that no newline of a pretty-printed record breaks the line.
    public func json(raw: [UInt8]? = nil) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        for (name, text) in Self.fields {
            if name == "status" {
                writer.field(name, status)
            } else {
                writer.field(name, text(self))
            }
        }
        if let raw {
            writer.key("raw")
            if let compact = CompactJSON.compact(raw) {
                writer.rawValue(compact)
            } else {
                writer.value(String(decoding: raw, as: UTF8.self))
            }
        }
        writer.endObject()
        return writer.string
    }
}
