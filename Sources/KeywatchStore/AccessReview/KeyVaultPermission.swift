/// The access-policy permissions of Key Vault's operations: what a vault that authorizes by
/// access policies (not Azure RBAC) must grant a principal for what it did, as
/// `az keyvault set-policy --secret-permissions … --key-permissions … --certificate-permissions …`
/// takes them.
enum KeyVaultPermission {
    /// The permission `operation` needs, and the kind of object it is of; nil for operations
    /// access policies do not govern (the vault's own, `Authentication`, notifications).
    static func of(_ operation: String) -> (kind: KeyVaultRole.ObjectKind, permission: String)? {
        guard let kind = KeyVaultRole.kind(of: operation), kind != .vault else { return nil }
        let prefix = kind == .secrets ? "Secret" : kind == .keys ? "Key" : "Certificate"
        let verb = String(operation.dropFirst(prefix.count))
        // Secrets have no `update` permission: changing a secret's attributes needs `set`.
        if kind == .secrets, verb == "Update" { return (kind, "set") }
        if let special = special[verb] { return (kind, special) }
        if verb.hasPrefix("List") { return (kind, "list") }
        guard let first = verb.first else { return nil }
        return (kind, first.lowercased() + verb.dropFirst())
    }

    /// Verbs whose permission is not the verb in lower camel case.
    private static let special: [String: String] = [
        "Wrap": "wrapKey", "Unwrap": "unwrapKey",
        "ListVersions": "list", "ListDeleted": "list", "GetDeleted": "get",
        "RotationPolicyGet": "getrotationpolicy", "RotationPolicySet": "setrotationpolicy",
        "Rotate": "rotate", "RotateIfDue": "rotate",
        "PolicyGet": "get", "PolicySet": "update", "PolicyUpdate": "update", "PendingGet": "get",
        "PendingMerge": "update", "PendingDelete": "delete",
        "IssuerGet": "getissuers", "IssuersList": "listissuers", "IssuerSet": "setissuers",
        "IssuerUpdate": "setissuers", "IssuerDelete": "deleteissuers",
        "ContactsGet": "managecontacts", "ContactsSet": "managecontacts", "ContactsDelete": "managecontacts",
    ]
}
