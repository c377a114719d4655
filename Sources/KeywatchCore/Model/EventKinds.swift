/// Where an event came from.
public enum EventSource: String, Sendable, CaseIterable, Codable {
    case azureKeyVault = "azure.keyvault"
    case awsKMS = "aws.kms"
    case awsSTS = "aws.sts"
    case awsEKSAuth = "aws.eks-auth"
}

/// What kind of operation an event is; see docs/events.md for the table.
public enum EventClass: String, Sendable, CaseIterable, Codable {
    case crypto, read, list, write, destroy, permission, config, auth, service, other
}

/// How a call ended.
public enum Outcome: String, Sendable, CaseIterable, Codable {
    case success, denied, failed
    /// Key Vault's bearer-token challenge: the 401 every SDK client receives once before it
    /// sends a token. Expected, and not a denial.
    case challenge
}

/// Why a call was denied.
public enum DenialReason: String, Sendable, CaseIterable, Codable {
    case rbac
    case accessPolicy = "access-policy"
    case network
    case identityPolicy = "identity-policy"
    case resourcePolicy = "resource-policy"
    case sessionPolicy = "session-policy"
    case scp
    case explicitDeny = "explicit-deny"
    case unknown
}

/// What kind of caller an event's principal is.
public enum PrincipalType: String, Sendable, CaseIterable, Codable {
    case user, app, role, service, root, account, anonymous, unknown
}

/// What kind of object an event acted on.
public enum ResourceType: String, Sendable, CaseIterable, Codable {
    case key, secret, certificate, vault, alias, none
}
