/// Why a stored alert's JSON is not an alert (``Alert/init(json:)``), naming the member at fault
/// as a path (`window.start`, `details.values[2]`) so that the row can be found and repaired.
public enum AlertDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not JSON; the parser's reason, with the byte where it stopped.
    case notJSON(String)
    /// The JSON is another kind of value than an object.
    case notAnObject(found: String)
    case missingMember(String)
    /// A member holds another kind of JSON value than the alert writes there.
    case wrongType(member: String, expected: String, found: String)
    /// A member holds the right kind of value, but not one an alert can have.
    case invalidValue(member: String, expected: String, value: String)

    public var description: String {
        switch self {
        case .notJSON(let reason): "the alert is not JSON: \(reason)"
        case .notAnObject(let found): "the alert is \(found), not a JSON object"
        case .missingMember(let member): "the alert has no \"\(member)\" member"
        case .wrongType(let member, let expected, let found): "the alert's \"\(member)\" is \(found), not \(expected)"
        case .invalidValue(let member, let expected, let value): "the alert's \"\(member)\" is \(value), not \(expected)"
        }
    }

    /// What a JSON value is, for a message: `a string`, `null`.
    static func describe(_ value: JSONValue) -> String {
        switch value.kind {
        case .object: "an object"
        case .array: "a list"
        case .string: "a string"
        case .number: "a number"
        case .true, .false: "a boolean"
        case .null: "null"
        }
    }

    /// A value as written, cut short: enough to find it in the row.
    static func excerpt(_ value: JSONValue) -> String {
        let written = String(decoding: value.sourceBytes, as: UTF8.self)
        return written.count > 60 ? String(written.prefix(59)) + "…" : written
    }
}
