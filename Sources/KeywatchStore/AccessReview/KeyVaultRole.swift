import KeywatchCore

/// Azure's built-in roles for Key Vault's data plane and the operations of its audit log each
/// allows, narrowest first: what `keywatch access-review` suggests assigning in place of a
/// broader grant. A role covers a set of operations when it allows every one of them.
///
/// The operations are Key Vault's `operationName`s, grouped by the kind of object they act on;
/// a suggestion is made per kind (secrets, keys, certificates) and vault, because a workload that
/// reads a secret and unwraps with a key needs one role of each, each scoped to what it used.
public struct KeyVaultRole: Sendable, Equatable {
    /// The role's name as `az role assignment create --role` takes it.
    public let name: String
    /// The Key Vault operations it allows.
    let operations: Set<String>

    /// The kinds of object a role is suggested for.
    public enum ObjectKind: String, Sendable, CaseIterable {
        case secrets, keys, certificates
        /// The vault itself (`VaultGet`, `VaultPatch`): Azure Resource Manager's roles, not the data plane's.
        case vault

        /// The path segment of an object of this kind in a vault's URL and resource id.
        var segment: String { rawValue }
    }

    /// The kind of object `operation` acts on; nil for operations no role grants (`Authentication`,
    /// the `…EventGridNotification`s the service logs on its own).
    static func kind(of operation: String) -> ObjectKind? {
        if operation.hasSuffix("EventGridNotification") { return nil }
        if operation.hasPrefix("Secret") { return .secrets }
        if operation.hasPrefix("Key") { return .keys }
        if operation.hasPrefix("Certificate") { return .certificates }
        if operation.hasPrefix("Vault") { return .vault }
        return nil
    }

    private static let secretReads: Set<String> = ["SecretList", "SecretListVersions"]
    /// What every role of keys allows: reading a key's properties and public part (`keys/read`).
    /// Reading its rotation policy is `keyrotationpolicies/read`, which only Reader (of
    /// everything) and the officer allow.
    private static let keyReads: Set<String> = ["KeyGet", "KeyList", "KeyListVersions"]
    private static let certificateReads: Set<String> = [
        "CertificateGet", "CertificateList", "CertificateListVersions", "CertificatePolicyGet", "CertificatePendingGet",
        "CertificateIssuerGet", "CertificateIssuersList", "CertificateContactsGet",
    ]

    /// Roles per kind, narrowest first; a kind's last role allows every operation of the kind.
    static let roles: [ObjectKind: [KeyVaultRole]] = [
        .secrets: [
            KeyVaultRole(name: "Key Vault Reader", operations: secretReads),
            KeyVaultRole(name: "Key Vault Secrets User", operations: secretReads.union(["SecretGet"])),
            KeyVaultRole(name: "Key Vault Secrets Officer", operations: []),
        ],
        .keys: [
            KeyVaultRole(name: "Key Vault Reader", operations: keyReads.union(["KeyRotationPolicyGet"])),
            KeyVaultRole(name: "Key Vault Crypto Service Encryption User", operations: keyReads.union(["KeyWrap", "KeyUnwrap"])),
            KeyVaultRole(name: "Key Vault Crypto User", operations: keyReads.union([
                "KeyWrap", "KeyUnwrap", "KeyEncrypt", "KeyDecrypt", "KeySign", "KeyVerify", "KeyUpdate", "KeyBackup",
            ])),
            KeyVaultRole(name: "Key Vault Crypto Officer", operations: []),
        ],
        .certificates: [
            KeyVaultRole(name: "Key Vault Reader", operations: certificateReads),
            KeyVaultRole(name: "Key Vault Certificates Officer", operations: []),
        ],
        .vault: [
            KeyVaultRole(name: "Reader", operations: ["VaultGet"]),
            KeyVaultRole(name: "Key Vault Contributor", operations: []),
        ],
    ]

    /// The narrowest role allowing every one of `operations`, all of `kind`. The kind's broadest
    /// role (its officer, or Key Vault Contributor for the vault) allows any operation of it.
    static func narrowest(of kind: ObjectKind, covering operations: Set<String>) -> KeyVaultRole {
        let candidates = roles[kind]!
        return candidates.dropLast().first { operations.isSubset(of: $0.operations) } ?? candidates.last!
    }

    /// Whether `operations` of `kind` need the vault as their scope: listing is an operation on
    /// the vault (listing one object's versions is not), and so is everything on the vault
    /// itself; creating, importing or restoring an object makes one that no narrower scope names
    /// yet, and recovering, purging or reading a deleted one acts on what no longer has one. The
    /// rest may be scoped to the objects used.
    static func needsVaultScope(_ kind: ObjectKind, _ operations: Set<String>) -> Bool {
        kind == .vault || operations.contains { operation in
            (operation.contains("List") && !operation.hasSuffix("ListVersions"))
                || ["Create", "Import", "Restore", "Recover", "Purge", "GetDeleted"].contains { operation.hasSuffix($0) }
        }
    }
}
