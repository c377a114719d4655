/// One audit event, normalized across Azure Key Vault and AWS CloudTrail (docs/events.md), with its
/// text fields as strings: the form queries print and tests check.
///
/// Ingest keeps events in the compact form of ``EventBatch`` (``EventRow``); ``EventBatch/event(at:)``
/// and the store's queries produce this one.
public struct Event: Sendable, Equatable {
    /// Dedup key: CloudTrail `eventID`, an EventBridge event `id`, or for Key Vault (whose
    /// records have no id) the SHA-256 of the record's canonical bytes.
    public var key: String
    public var source: EventSource
    public var time: Timestamp
    /// `operationName` / `eventName`, verbatim.
    public var operation: String
    public var eventClass: EventClass
    public var outcome: Outcome
    /// HTTP status (Key Vault).
    public var status: Int?
    /// `errorCode` (AWS).
    public var errorCode: String?
    /// For denials, the cause.
    public var reason: DenialReason?
    public var principal: String?
    public var principalType: PrincipalType?
    public var principalName: String?
    public var appID: String?
    /// The caller's role session: after the `:` of an assumed role's `principalId`.
    public var session: String?
    /// The role session an STS `AssumeRole*` or EKS Auth `AssumeRoleForPodIdentity` call creates,
    /// which the later calls made with it carry as their ``session``.
    public var newSession: String?
    public var namespace: String?
    public var serviceAccount: String?
    public var tenant: String?
    /// The log pipeline the event came through, one value per pipeline whatever a record carries:
    /// for CloudTrail the account whose trail delivered it (`recipientAccountId`, else the caller's
    /// account; an EventBridge event's `account`), for Key Vault the subscription of the vault
    /// (from `resourceId`, as a lower-case GUID). A log source going silent is a pipeline going
    /// silent, so the default silence rule groups by it.
    public var account: String?
    public var scope: String?
    public var resource: String?
    public var resourceType: ResourceType
    public var objectName: String?
    public var resourceNamespace: String?
    public var ip: String?
    public var userAgent: String?
    public var region: String?
    public var requestID: String?
    /// Where the record was read: an input (file path or HTTP request) and a byte offset.
    public var origin: Origin

    public init(
        key: String, source: EventSource, time: Timestamp, operation: String, eventClass: EventClass,
        outcome: Outcome, resourceType: ResourceType = .none, origin: Origin = Origin(input: "", offset: nil)
    ) {
        self.key = key
        self.source = source
        self.time = time
        self.operation = operation
        self.eventClass = eventClass
        self.outcome = outcome
        self.resourceType = resourceType
        self.origin = origin
    }
}

/// Where a record was read.
public struct Origin: Sendable, Hashable, CustomStringConvertible {
    /// `file:<path>` or `http:<request id>`.
    public var input: String
    /// Byte offset of the record in the (decompressed) file; nil for HTTP.
    public var offset: Int64?

    public init(input: String, offset: Int64?) {
        self.input = input
        self.offset = offset
    }

    /// `file:<path>@<offset>` or `http:<request id>`.
    public var description: String {
        if let offset { return "\(input)@\(offset)" }
        return input
    }
}

/// A record's position in its batch's raw buffer.
public struct RawSpan: Sendable, Hashable {
    public var offset: Int
    public var length: Int

    public init(offset: Int, length: Int) {
        self.offset = offset
        self.length = length
    }
}
