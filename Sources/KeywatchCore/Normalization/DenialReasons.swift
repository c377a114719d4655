/// The cause of a denial, read from what each cloud records about it.
public enum DenialReasons {
    /// AWS: from the documented `errorMessage` patterns (`… because no identity-based policy
    /// allows …`, `… with an explicit deny in a service control policy`, …).
    public static func aws(errorMessage: String?) -> DenialReason {
        guard let message = errorMessage, !message.isEmpty else { return .unknown }
        if message.containsIgnoringASCIICase("service control policy") || message.containsIgnoringASCIICase("resource control policy") { return .scp }
        if message.containsIgnoringASCIICase("explicit deny") { return .explicitDeny }
        if message.containsIgnoringASCIICase("no identity-based policy") || message.containsIgnoringASCIICase("permissions boundary") { return .identityPolicy }
        if message.containsIgnoringASCIICase("no resource-based policy") { return .resourcePolicy }
        if message.containsIgnoringASCIICase("no session policy") { return .sessionPolicy }
        if message.containsIgnoringASCIICase("vpc endpoint policy") { return .network }
        return .unknown
    }

    /// Key Vault: from the authorization flags in `properties`, else from `resultDescription`.
    public static func keyVault(
        isAddressAuthorized: Bool?, isRbacAuthorized: Bool?, isAccessPolicyMatch: Bool?, description: String?
    ) -> DenialReason {
        let text = description ?? ""
        if isAddressAuthorized == false || text.containsBytes("Client address is not authorized") { return .network }
        if isRbacAuthorized == false || text.containsBytes("Caller is not authorized to perform action on resource") { return .rbac }
        if isAccessPolicyMatch == false || (text.containsBytes("does not have") && text.containsBytes("permission on key vault")) {
            return .accessPolicy
        }
        return .unknown
    }
}
