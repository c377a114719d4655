/// The class of an operation, by the table of docs/events.md.
///
/// Operations the table does not name fall in `other`. Three additions the table's sources
/// predate: Key Vault `VaultPurge` (older API versions log it) is `destroy`; KMS `Encapsulate`,
/// `Decapsulate` are `crypto` and `GetKeyLastUsage` is `list`.
public enum OperationClassifier {
    /// The class of a Key Vault `operationName`.
    public static func keyVault(_ operation: String) -> EventClass {
        if let known = keyVaultExact[operation] { return known }
        if operation.hasSuffix("EventGridNotification") { return .service }
        if operation.hasSuffix("Backup") { return .read }
        if operation.hasSuffix("Restore") || operation.hasSuffix("Recover") { return .write }
        if operation.hasPrefix("KeyRotate") { return .config }
        if operation.hasPrefix("CertificateIssuer"),
           operation.hasSuffix("Set") || operation.hasSuffix("Update") || operation.hasSuffix("Delete") {
            return .config
        }
        if operation.hasPrefix("CertificateContacts"), operation.hasSuffix("Set") || operation.hasSuffix("Delete") {
            return .config
        }
        if operation.containsBytes("List") || operation.hasSuffix("GetDeleted") || operation.hasSuffix("PolicyGet")
            || operation.hasSuffix("IssuerGet") || operation.hasSuffix("ContactsGet") {
            return .list
        }
        return .other
    }

    /// The class of a CloudTrail `eventName`; `serviceEvent` when AWS itself acted (an
    /// `AwsServiceEvent`, or a call `invokedBy` "AWS Internal" with no caller type).
    public static func aws(_ operation: String, serviceEvent: Bool) -> EventClass {
        if serviceEvent || awsServiceEvents.contains(operation) { return .service }
        if let known = awsExact[operation] { return known }
        if operation.hasPrefix("GenerateDataKey") { return .crypto }
        if operation.hasPrefix("Describe") || operation.hasPrefix("List") { return .list }
        if operation.hasSuffix("CustomKeyStore") { return .permission }
        return .other
    }

    private static let keyVaultExact: [String: EventClass] = {
        var table: [String: EventClass] = [:]
        for op in ["KeySign", "KeyVerify", "KeyWrap", "KeyUnwrap", "KeyEncrypt", "KeyDecrypt"] { table[op] = .crypto }
        for op in ["SecretGet", "KeyGet", "CertificateGet", "CertificatePendingGet"] { table[op] = .read }
        table["VaultGet"] = .list
        for op in ["SecretSet", "SecretUpdate", "KeyCreate", "KeyImport", "KeyUpdate", "CertificateCreate",
                   "CertificateImport", "CertificateUpdate", "VaultRecover"] { table[op] = .write }
        for op in ["SecretDelete", "SecretPurge", "KeyDelete", "KeyPurge", "CertificateDelete", "CertificatePurge",
                   "VaultDelete", "VaultPurge"] { table[op] = .destroy }
        for op in ["VaultPut", "VaultPatch"] { table[op] = .permission }
        for op in ["KeyRotationPolicySet", "CertificatePolicySet", "CertificatePolicyUpdate"] { table[op] = .config }
        table["Authentication"] = .auth
        return table
    }()

    private static let awsServiceEvents: Set<String> = ["RotateKey", "DeleteKey", "DeleteExpiredKeyMaterial", "SynchronizeMultiRegionKey"]

    private static let awsExact: [String: EventClass] = {
        var table: [String: EventClass] = [:]
        for op in ["Encrypt", "Decrypt", "ReEncrypt", "Sign", "Verify", "GenerateMac", "VerifyMac", "GenerateRandom",
                   "DeriveSharedSecret", "Encapsulate", "Decapsulate"] { table[op] = .crypto }
        for op in ["GetPublicKey", "GetParametersForImport"] { table[op] = .read }
        for op in ["GetKeyPolicy", "GetKeyRotationStatus", "GetKeyLastUsage"] { table[op] = .list }
        for op in ["CreateKey", "EnableKey", "CancelKeyDeletion", "ImportKeyMaterial", "UpdateKeyDescription",
                   "ReplicateKey", "UpdatePrimaryRegion"] { table[op] = .write }
        for op in ["ScheduleKeyDeletion", "DisableKey", "DeleteImportedKeyMaterial", "DisableKeyRotation"] { table[op] = .destroy }
        for op in ["PutKeyPolicy", "CreateGrant", "RetireGrant", "RevokeGrant", "CreateAlias", "UpdateAlias", "DeleteAlias",
                   "TagResource", "UntagResource"] { table[op] = .permission }
        for op in ["EnableKeyRotation", "RotateKeyOnDemand"] { table[op] = .config }
        for op in ["AssumeRoleWithWebIdentity", "AssumeRole", "AssumeRoleForPodIdentity", "AssumeRoleWithSAML"] { table[op] = .auth }
        return table
    }()
}
