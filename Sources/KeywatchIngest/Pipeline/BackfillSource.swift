/// What a backfill reads: a file by its path, or a log file held elsewhere (an S3 object),
/// fetched when its turn comes so that one at a time is in memory.
public enum BackfillSource: Sendable {
    case file(String)
    /// `name` is what origins and messages call it (`s3://bucket/key`); `size` its bytes when
    /// known beforehand, for the progress bar; `fetch` reads it whole.
    case remote(name: String, size: Int64?, fetch: @Sendable () throws -> [UInt8])

    /// What messages call it.
    public var name: String {
        switch self {
        case .file(let path): return path
        case .remote(let name, _, _): return name
        }
    }
}

/// A remote log file that could not be fetched: counted and reported as an unreadable file is.
public struct RemoteReadError: Error, CustomStringConvertible, Sendable {
    public var name: String
    public var reason: String
    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }
    public var description: String { "\(name): \(reason)" }
}
