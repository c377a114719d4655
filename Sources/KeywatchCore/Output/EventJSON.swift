extension Event {
    /// The names of SPEC §2, in its order (`raw` last, written only when asked for).
    public static let fieldNames = [
        "key", "source", "time", "operation", "class", "outcome", "status", "error_code", "reason", "principal",
        "principal_type", "principal_name", "app_id", "session", "namespace", "service_account", "tenant", "scope",
        "resource", "resource_type", "object_name", "resource_namespace", "ip", "user_agent", "region", "request_id",
        "origin",
    ]

    /// The value of a SPEC §2 field as text (nil when absent); `time` in RFC 3339.
    public func text(of field: String) -> String? {
        switch field {
        case "key": return key
        case "source": return source.rawValue
        case "time": return time.rfc3339
        case "operation": return operation
        case "class": return eventClass.rawValue
        case "outcome": return outcome.rawValue
        case "status": return status.map(String.init)
        case "error_code": return errorCode
        case "reason": return reason?.rawValue
        case "principal": return principal
        case "principal_type": return principalType?.rawValue
        case "principal_name": return principalName
        case "app_id": return appID
        case "session": return session
        case "namespace": return namespace
        case "service_account": return serviceAccount
        case "tenant": return tenant
        case "scope": return scope
        case "resource": return resource
        case "resource_type": return resourceType.rawValue
        case "object_name": return objectName
        case "resource_namespace": return resourceNamespace
        case "ip": return ip
        case "user_agent": return userAgent
        case "region": return region
        case "request_id": return requestID
        case "origin": return origin.description
        default: return nil
        }
    }

    /// One JSON object with the field names of SPEC §2; `raw` (the original record, itself JSON)
    /// included when given.
    public func json(raw: [UInt8]? = nil) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        for name in Self.fieldNames {
            if name == "status" {
                writer.field(name, status)
            } else {
                writer.field(name, text(of: name))
            }
        }
        if let raw {
            writer.key("raw")
            writer.rawValue(raw)
        }
        writer.endObject()
        return writer.string
    }
}
