/// The access-policy permissions of Key Vault's operations: what a vault that authorizes by
/// access policies (not Azure RBAC) must grant a principal for what it did, as
/// `az keyvault set-policy --secret-permissions … --key-permissions … --certificate-permissions …`
/// takes them.
///
/// A fixed table: an operation it does not list (the vault's own, `Authentication`,
/// notifications, or a name only a hostile record has) needs no permission keywatch can name,
/// and is left out — never turned into a permission by its spelling.
enum KeyVaultPermission {
    /// The permission `operation` needs, and the kind of object it is of; nil for operations not
    /// in the table.
    static func of(_ operation: String) -> (kind: KeyVaultRole.ObjectKind, permission: String)? {
        if let permission = secrets[operation] { return (.secrets, permission) }
        if let permission = keys[operation] { return (.keys, permission) }
        if let permission = certificates[operation] { return (.certificates, permission) }
        return nil
    }

    private static let secrets: [String: String] = [
        "SecretGet": "get", "SecretList": "list", "SecretListVersions": "list", "SecretListDeleted": "list",
        "SecretGetDeleted": "get", "SecretSet": "set", "SecretUpdate": "set", "SecretDelete": "delete",
        "SecretBackup": "backup", "SecretRestore": "restore", "SecretRecover": "recover", "SecretPurge": "purge",
    ]

    private static let keys: [String: String] = [
        "KeyGet": "get", "KeyList": "list", "KeyListVersions": "list", "KeyListDeleted": "list", "KeyGetDeleted": "get",
        "KeyCreate": "create", "KeyImport": "import", "KeyUpdate": "update", "KeyDelete": "delete",
        "KeyBackup": "backup", "KeyRestore": "restore", "KeyRecover": "recover", "KeyPurge": "purge",
        "KeyEncrypt": "encrypt", "KeyDecrypt": "decrypt", "KeyWrap": "wrapKey", "KeyUnwrap": "unwrapKey",
        "KeySign": "sign", "KeyVerify": "verify", "KeyRelease": "release", "KeyRotate": "rotate",
        "KeyRotationPolicyGet": "getrotationpolicy", "KeyRotationPolicySet": "setrotationpolicy",
    ]

    private static let certificates: [String: String] = [
        "CertificateGet": "get", "CertificateList": "list", "CertificateListVersions": "list",
        "CertificateListDeleted": "list", "CertificateGetDeleted": "get", "CertificateCreate": "create",
        "CertificateImport": "import", "CertificateUpdate": "update", "CertificateDelete": "delete",
        "CertificateBackup": "backup", "CertificateRestore": "restore", "CertificateRecover": "recover",
        "CertificatePurge": "purge", "CertificatePolicyGet": "get", "CertificatePolicySet": "update",
        "CertificatePolicyUpdate": "update", "CertificatePendingGet": "get", "CertificatePendingMerge": "create",
        "CertificatePendingDelete": "update", "CertificateIssuerGet": "getissuers", "CertificateIssuersList": "listissuers",
        "CertificateIssuerSet": "setissuers", "CertificateIssuerUpdate": "setissuers",
        "CertificateIssuerDelete": "deleteissuers", "CertificateContactsGet": "managecontacts",
        "CertificateContactsSet": "managecontacts", "CertificateContactsDelete": "managecontacts",
    ]
}
