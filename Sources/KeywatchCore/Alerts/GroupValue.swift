/// One field an alert is grouped by, and the group's value of it (empty when absent).
public struct GroupValue: Sendable, Equatable {
    public var field: String
    public var value: String

    public init(field: String, value: String) {
        self.field = field
        self.value = value
    }
}
