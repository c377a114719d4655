import KeywatchCore
import KeywatchStore

/// `keywatch access-review --format json`: one object, for automation; its keys always present.
///
///     {"since": RFC 3339 or null, "until": RFC 3339 or null,
///      "callers": [{"principal", "principal_name", "principal_type", "namespace", "service_account",
///                   "calls", "denied_calls",
///                   "operations": [usage…], "denied": [usage…],
///                   "key_vault_roles": [{"role", "kind", "vault", "operations", "objects", "scopes", "commands"}],
///                   "access_policies": [{"vault", "secrets", "keys", "certificates", "command"}],
///                   "kms_policy": an IAM policy document or null,
///                   "findings": [{"kind", "message"}]}],
///      "unused_resources": [{"resource", "object_name"}]}
///
/// where a usage is {"operation", "class", "source", "resource", "resource_type", "object_name",
/// "scope", "count", "first_seen", "last_seen"}.
extension AccessReview {
    /// The object, handed to `emit` in pieces — a caller at a time — so that a review of a large
    /// store is written as it is made, never held whole as one string.
    func writeJSON(_ emit: (String) -> Void) {
        var head = JSONWriter()
        head.beginObject()
        head.field("since", since?.rfc3339)
        head.field("until", until?.rfc3339)
        head.endObject()
        emit(String(head.string.dropLast()) + #","callers":["#)
        for (index, entry) in entries.enumerated() {
            var writer = JSONWriter()
            Self.write(entry, to: &writer)
            emit((index > 0 ? "," : "") + writer.string)
        }
        var tail = JSONWriter()
        tail.beginArray()
        for resource in unusedResources {
            tail.beginObject()
            tail.field("resource", resource.resource)
            tail.field("object_name", resource.objectName)
            tail.endObject()
        }
        tail.endArray()
        emit(#"],"unused_resources":"# + tail.string + "}")
    }

    /// The whole object as one string (tests, small reviews).
    var json: String {
        var text = ""
        writeJSON { text += $0 }
        return text
    }

    private static func write(_ entry: Entry, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("principal", entry.caller.principal)
        writer.field("principal_name", entry.principalName)
        writer.field("principal_type", entry.principalType?.rawValue)
        writer.field("namespace", entry.caller.namespace)
        writer.field("service_account", entry.caller.serviceAccount)
        writer.field("calls", entry.calls)
        writer.field("denied_calls", entry.deniedCalls)
        for (name, uses) in [("operations", entry.used), ("denied", entry.denied)] {
            writer.key(name)
            writer.beginArray()
            for use in uses { write(use, to: &writer) }
            writer.endArray()
        }
        writer.key("key_vault_roles")
        writer.beginArray()
        for role in entry.roles {
            writer.beginObject()
            writer.field("role", role.role)
            writer.field("kind", role.kind.rawValue)
            writer.field("vault", role.vault)
            strings("operations", role.operations, to: &writer)
            strings("objects", role.objects, to: &writer)
            strings("scopes", role.scopes, to: &writer)
            strings("commands", role.commands, to: &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.key("access_policies")
        writer.beginArray()
        for policy in entry.accessPolicies {
            writer.beginObject()
            writer.field("vault", policy.vault)
            strings("secrets", policy.secrets, to: &writer)
            strings("keys", policy.keys, to: &writer)
            strings("certificates", policy.certificates, to: &writer)
            writer.field("command", policy.command)
            writer.endObject()
        }
        writer.endArray()
        writer.key("kms_policy")
        if let policy = entry.kmsPolicy { writer.rawValue(Array(policy.json(pretty: false).utf8)) } else { writer.value(nil as String?) }
        writer.key("findings")
        writer.beginArray()
        for finding in entry.findings {
            writer.beginObject()
            writer.field("kind", finding.kind.rawValue)
            writer.field("message", finding.message)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }

    private static func write(_ use: ResourceUsage, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("operation", use.operation)
        writer.field("class", use.operationClass.rawValue)
        writer.field("source", use.source.rawValue)
        writer.field("resource", use.resource)
        writer.field("resource_type", use.resourceType.rawValue)
        writer.field("object_name", use.objectName)
        writer.field("scope", use.scope)
        writer.field("count", use.count)
        writer.field("first_seen", use.first.rfc3339)
        writer.field("last_seen", use.last.rfc3339)
        writer.endObject()
    }

    private static func strings(_ name: String, _ values: [String], to writer: inout JSONWriter) {
        writer.key(name)
        writer.beginArray()
        values.forEach { writer.value($0) }
        writer.endArray()
    }

    /// `--format csv`: a header, then one line per caller, outcome, operation and resource.
    var csvLines: [String] {
        var lines = [CSV.line(["principal", "principal_name", "namespace", "service_account", "outcome", "operation",
                               "resource", "object_name", "count", "first_seen", "last_seen"])]
        for entry in entries {
            for use in entry.used + entry.denied {
                lines.append(CSV.line([entry.caller.principal, entry.principalName, entry.caller.namespace, entry.caller.serviceAccount,
                                       use.outcome.rawValue, use.operation, use.resource, use.objectName, String(use.count),
                                       use.first.rfc3339, use.last.rfc3339]))
            }
        }
        return lines
    }
}
