/// A value a `change` rule last knew for one of its watched fields: text (numbers and booleans as
/// their text), or a list (a JSON array's elements).
enum KnownValue: Sendable, Equatable {
    case text(String)
    case list([String])

    /// The known value a field's value gives; nil for an absent one, which changes nothing.
    init?(_ value: FieldValue) {
        switch value {
        case .absent: return nil
        case .string, .number: self = .text(value.text ?? "")
        case .list(let items): self = .list(items.compactMap(\.text))
        }
    }

    /// The value as an alert shows it: lists as `[a, b]`.
    var description: String {
        switch self {
        case .text(let text): text
        case .list(let items): "[" + items.joined(separator: ", ") + "]"
        }
    }

    /// The elements of a list (a text is a list of one: a field that is sometimes an array).
    var items: [String] {
        switch self {
        case .text(let text): [text]
        case .list(let items): items
        }
    }
}
