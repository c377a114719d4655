/// A field a rule names: one of the normalized fields, `raw.<path>` into the original record, or
/// a value derived from either (`ip|network`, see ``FieldDerivation``).
public indirect enum RuleField: Hashable, Sendable, CustomStringConvertible {
    case normalized(NormalizedField)
    /// Member names (or array positions, as decimal text) from the record's root.
    case raw([String])
    /// `derivation` of the value of the field before it.
    case derived(RuleField, FieldDerivation)

    /// Reads a field name as written in a rule: `principal`, `raw.requestParameters.keyId`,
    /// `ip|network`. Nil for a name that is none of these.
    public init?(name: String) {
        guard let field = try? RuleField.named(name) else { return nil }
        self = field
    }

    /// Reads a field name, or says which names there are.
    public static func named(_ name: String) throws(RuleError) -> RuleField {
        let parts = name.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let (field, rest) = try reading(parts)
        if let part = rest.first {
            throw RuleError("unknown derivation '\(part)' in '\(name)': use \(FieldDerivation.names)")
        }
        return field
    }

    /// The field `parts` (a name split at `|`) begin with — the base, then every derivation
    /// right after it — and the parts after those (a condition's modifiers).
    static func reading(_ parts: [String]) throws(RuleError) -> (RuleField, ArraySlice<String>) {
        var field = try base(named: parts[0])
        var rest = parts.dropFirst()
        while let next = rest.first, let derivation = FieldDerivation(rawValue: next) {
            field = .derived(field, derivation)
            rest = rest.dropFirst()
        }
        return (field, rest)
    }

    /// A field without derivations: a normalized one or `raw.<path>`.
    static func base(named name: String) throws(RuleError) -> RuleField {
        if name.hasPrefix("raw.") {
            let path = name.dropFirst(4).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if !path.contains(where: \.isEmpty) { return .raw(path) }
        } else if let field = NormalizedField(rawValue: name) {
            return .normalized(field)
        }
        throw RuleError("unknown field '\(name)': use one of \(NormalizedField.allCases.map(\.rawValue).joined(separator: ", ")), or raw.<path>")
    }

    public var description: String {
        switch self {
        case .normalized(let field): return field.rawValue
        case .raw(let path): return "raw." + path.joined(separator: ".")
        case .derived(let base, let derivation): return "\(base)|\(derivation.rawValue)"
        }
    }

    /// The `raw.<path>` the field reads, through its derivations; nil when it reads none.
    var rawPath: [String]? {
        switch self {
        case .normalized: return nil
        case .raw(let path): return path
        case .derived(let base, _): return base.rawPath
        }
    }

    /// The normalized field whose value alone decides this field's: the field itself, or the base
    /// of pure derivations (``FieldDerivation/isPure``). A filter decides a condition on it once
    /// per distinct value of a batch.
    var decidedByNormalizedField: NormalizedField? {
        switch self {
        case .normalized(let field): return field
        case .raw: return nil
        case .derived(let base, let derivation): return derivation.isPure ? base.decidedByNormalizedField : nil
        }
    }
}

extension FieldDerivation {
    /// Every derivation's name, for error messages.
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The normalized fields, by the names docs/events.md gives them (and `keywatch query` prints).
public enum NormalizedField: String, CaseIterable, Sendable {
    case key, source, time, operation
    case eventClass = "class"
    case outcome, status
    case errorCode = "error_code"
    case reason, principal
    case principalType = "principal_type"
    case principalName = "principal_name"
    case appID = "app_id"
    case session
    case newSession = "new_session"
    case namespace
    case serviceAccount = "service_account"
    case tenant, account, scope, resource
    case resourceType = "resource_type"
    case objectName = "object_name"
    case resourceNamespace = "resource_namespace"
    case ip
    case userAgent = "user_agent"
    case region
    case requestID = "request_id"
    case origin
}

/// A field's value in one event, as conditions compare it.
public enum FieldValue: Equatable, Sendable {
    case absent
    case string(String)
    case number(Double)
    /// A JSON array in the raw record: a condition holds if it holds for any element.
    case list([FieldValue])

    /// The value as text (numbers without a needless fraction), nil when absent or a list.
    public var text: String? {
        switch self {
        case .string(let text): return text
        case .number(let number):
            return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .absent, .list: return nil
        }
    }

    /// The value as a number: numbers, and strings that spell one.
    public var number: Double? {
        switch self {
        case .number(let number): return number
        case .string(let text): return Double(text)
        case .absent, .list: return nil
        }
    }
}

extension Event {
    /// The value of a normalized field.
    public func value(of field: NormalizedField) -> FieldValue {
        func text(_ value: String?) -> FieldValue { value.map(FieldValue.string) ?? .absent }
        switch field {
        case .key: return .string(key)
        case .source: return .string(source.rawValue)
        case .time: return .string(time.rfc3339)
        case .operation: return .string(operation)
        case .eventClass: return .string(eventClass.rawValue)
        case .outcome: return .string(outcome.rawValue)
        case .status: return status.map { .number(Double($0)) } ?? .absent
        case .errorCode: return text(errorCode)
        case .reason: return text(reason?.rawValue)
        case .principal: return text(principal)
        case .principalType: return text(principalType?.rawValue)
        case .principalName: return text(principalName)
        case .appID: return text(appID)
        case .session: return text(session)
        case .newSession: return text(newSession)
        case .namespace: return text(namespace)
        case .serviceAccount: return text(serviceAccount)
        case .tenant: return text(tenant)
        case .account: return text(account)
        case .scope: return text(scope)
        case .resource: return text(resource)
        case .resourceType: return .string(resourceType.rawValue)
        case .objectName: return text(objectName)
        case .resourceNamespace: return text(resourceNamespace)
        case .ip: return text(ip)
        case .userAgent: return text(userAgent)
        case .region: return text(region)
        case .requestID: return text(requestID)
        case .origin: return .string(origin.description)
        }
    }
}

extension Event {
    /// A rule field's value: `raw` supplies the record for `raw.<path>` fields (absent when nil).
    func value(of field: RuleField, raw: JSONValue?, context: DerivationContext) -> FieldValue {
        switch field {
        case .normalized(let name): return value(of: name)
        case .raw(let path): return raw?.fieldValue(at: path) ?? .absent
        case .derived(let base, let derivation):
            return derivation.apply(to: value(of: base, raw: raw, context: context), in: context)
        }
    }
}

extension JSONValue {
    /// The value at `path` below this one, as conditions compare it: strings and numbers as
    /// themselves, booleans as `true` / `false`, arrays as lists, objects as their JSON text (a
    /// policy document arrives as a string or as an object, and derivations read both), nulls
    /// as absent.
    public func fieldValue(at path: some Collection<String>) -> FieldValue {
        guard let first = path.first else { return fieldValue }
        switch kind {
        case .object:
            return member(named: first)?.fieldValue(at: path.dropFirst()) ?? .absent
        case .array:
            guard let position = Int(first) else { return .absent }
            return self[position]?.fieldValue(at: path.dropFirst()) ?? .absent
        default:
            return .absent
        }
    }

    private var fieldValue: FieldValue {
        switch kind {
        case .string: return string.map(FieldValue.string) ?? .absent
        case .number: return double.map(FieldValue.number) ?? .absent
        case .true: return .string("true")
        case .false: return .string("false")
        case .array: return .list(elements.map { $0.fieldValue(at: EmptyCollection()) })
        case .object: return .string(String(decoding: rawBytes, as: UTF8.self))
        case .null: return .absent
        }
    }
}
