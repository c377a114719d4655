import KeywatchCore

/// Which events a query wants (docs/commands.md, `keywatch query`). Every list is "any of"; an empty list
/// does not filter. Text values may use `*` as a wildcard.
public struct EventFilter: Sendable, Equatable {
    /// Events at or after this time.
    public var since: Timestamp?
    /// Events before this time.
    public var until: Timestamp?
    /// Callers: each value matches `principal` or `principal_name` (what tables show).
    public var principals: [String] = []
    public var operations: [String] = []
    public var classes: [EventClass] = []
    public var outcomes: [Outcome] = []
    /// What was acted on: each value matches `resource` or `object_name` (what tables show).
    public var resources: [String] = []
    public var namespaces: [String] = []
    public var sources: [EventSource] = []
    public var ips: [String] = []
    /// Events with these dedup keys, compared exactly (an alert's evidence).
    public var keys: [String] = []
    /// Events stored in these raw blocks (``EventReader/newestBlock()``): blocks are numbered in
    /// commit order, so following the store reads the events of the blocks after the last it read.
    public var blocks: ClosedRange<Int64>?
    /// At most this many events: the most recent ones. Nil for all.
    public var limit: Int?

    public init() {}
}
