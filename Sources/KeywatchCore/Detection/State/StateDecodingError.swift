/// Stored detection state that cannot be read.
public struct StateDecodingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
