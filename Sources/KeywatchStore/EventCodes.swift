import KeywatchCore

/// The small integers the store writes for enumerated fields: a value's position in its enum's
/// `allCases`. Cases are only ever appended, so codes never change meaning. Fixed codes (rather
/// than rows of `strings`) let partial indexes name them, as in `WHERE outcome <> 0`.
enum EventCodes {
    static func code<T: CaseIterable & Equatable>(_ value: T) -> Int64 {
        Int64(T.allCases.firstIndex(of: value).map { T.allCases.distance(from: T.allCases.startIndex, to: $0) } ?? 0)
    }

    static func value<T: CaseIterable>(_ code: Int64, as type: T.Type) -> T? {
        guard code >= 0, code < Int64(T.allCases.count) else { return nil }
        return T.allCases[T.allCases.index(T.allCases.startIndex, offsetBy: Int(code))]
    }

    /// A SQL `CASE` turning `column`'s codes back into names.
    static func caseExpression<T: CaseIterable & RawRepresentable>(_ column: String, _ type: T.Type) -> String
    where T.RawValue == String {
        let branches = T.allCases.enumerated().map { "WHEN \($0.offset) THEN '\($0.element.rawValue)'" }
        return "CASE \(column) \(branches.joined(separator: " ")) END"
    }
}

extension EventSource {
    var code: Int64 { EventCodes.code(self) }
}

extension EventClass {
    var code: Int64 { EventCodes.code(self) }
}

extension Outcome {
    var code: Int64 { EventCodes.code(self) }
}

extension DenialReason {
    var code: Int64 { EventCodes.code(self) }
}

extension PrincipalType {
    var code: Int64 { EventCodes.code(self) }
}

extension ResourceType {
    var code: Int64 { EventCodes.code(self) }
}
