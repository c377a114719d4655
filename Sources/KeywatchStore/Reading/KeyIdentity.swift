import KeywatchCore

/// Which key, secret or certificate, and where it lives: what its events say of it.
public struct KeyIdentity: Sendable, Equatable {
    /// The resource, canonical as events hold it.
    public var resource: String
    public var resourceType: ResourceType
    public var source: EventSource
    public var objectName: String?
    /// Key Vault: the vault; AWS: the account and region of the key.
    public var scope: String?
    public var account: String?
    public var region: String?
}
