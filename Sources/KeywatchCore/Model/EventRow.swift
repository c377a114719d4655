/// A position in a batch's string table; ``none`` when a field is absent.
public struct StringIndex: Hashable, Sendable, Comparable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let none = StringIndex(rawValue: 0)

    public var isNone: Bool { rawValue == 0 }

    public static func < (lhs: StringIndex, rhs: StringIndex) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Bytes in a batch's text buffer: values too varied to share a string table (dedup keys, request
/// ids, sessions). Empty when absent.
public struct TextSpan: Hashable, Sendable {
    public var offset: UInt32
    public var length: UInt32

    public init(offset: UInt32, length: UInt32) {
        self.offset = offset
        self.length = length
    }

    public static let none = TextSpan(offset: 0, length: 0)

    public var isNone: Bool { length == 0 }
}

/// One event inside an ``EventBatch``, its text fields as indices into the batch's string table
/// and spans of its text buffer — plain data, so rows move through ingest without reference counting.
///
/// Log fields take few distinct values; encoding them once per batch lets the store write
/// integers and the detector evaluate a predicate once per distinct value. ``EventBatch/event(at:)``
/// turns a row into an ``Event`` with strings.
public struct EventRow: Sendable, Equatable {
    /// The dedup key (docs/events.md), in the batch's texts.
    public var key: TextSpan
    /// 64 bits of the key, for the store's (time, key) index.
    public var keyHash: Int64
    public var source: EventSource
    public var time: Timestamp
    public var operation: StringIndex = .none
    public var eventClass: EventClass
    public var outcome: Outcome
    public var status: Int?
    public var errorCode: StringIndex = .none
    public var reason: DenialReason?
    public var principal: StringIndex = .none
    public var principalType: PrincipalType?
    public var principalName: StringIndex = .none
    public var appID: StringIndex = .none
    /// The caller's role session, in the batch's texts: most sessions are seen once (a pod's
    /// role session, a request's).
    public var session: TextSpan = .none
    /// The role session an STS or EKS Auth call creates, in the batch's texts.
    public var newSession: TextSpan = .none
    public var namespace: StringIndex = .none
    public var serviceAccount: StringIndex = .none
    public var tenant: StringIndex = .none
    /// The log pipeline the event came through: ``Event/account``.
    public var account: StringIndex = .none
    public var scope: StringIndex = .none
    public var resource: StringIndex = .none
    public var resourceType: ResourceType = .none
    public var objectName: StringIndex = .none
    public var resourceNamespace: StringIndex = .none
    public var ip: StringIndex = .none
    public var userAgent: StringIndex = .none
    public var region: StringIndex = .none
    public var requestID: TextSpan = .none
    /// Index into the batch's ``EventBatch/inputs``.
    public var input: UInt32 = 0
    /// Byte offset of the record in its input (files); nil for HTTP.
    public var inputOffset: Int64?
    /// The record's bytes in the batch's raw buffer.
    public var raw = RawSpan(offset: 0, length: 0)

    public init(key: TextSpan, keyHash: Int64, source: EventSource, time: Timestamp, eventClass: EventClass, outcome: Outcome) {
        self.key = key
        self.keyHash = keyHash
        self.source = source
        self.time = time
        self.eventClass = eventClass
        self.outcome = outcome
    }
}
