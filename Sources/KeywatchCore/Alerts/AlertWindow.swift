/// The window of event time an alert counted over: `[start, end)`.
public struct AlertWindow: Sendable, Equatable {
    public var start: Timestamp
    public var end: Timestamp

    public init(start: Timestamp, end: Timestamp) {
        self.start = start
        self.end = end
    }
}
