/// A rule-type detail of an alert: counts, thresholds, baselines, values seen, namespaces.
public struct AlertDetail: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case integer(Int)
        case number(Double)
        case list([String])
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}
