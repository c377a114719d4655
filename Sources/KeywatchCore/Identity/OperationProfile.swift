/// The operations a workload is expected to use (`profile:` in `identities.yaml`, docs/rules.md):
/// a list of entries, each an operation as the logs write it (`KeyWrap`, `SecretGet`, `Decrypt`),
/// a glob over operations (`GenerateDataKey*`) or a built-in (``BuiltInProfile``). The
/// `outside_profile` rule type alerts on an operation none of them covers.
public struct OperationProfile: Sendable, Hashable {
    /// One entry of a profile, as written.
    public enum Entry: Sendable, Hashable, CustomStringConvertible {
        /// An operation name, or a glob over operation names (`GenerateDataKey*`).
        case operation(Glob)
        /// A named built-in, which stands for its operations.
        case builtIn(BuiltInProfile)

        public var description: String {
            switch self {
            case .operation(let glob): return glob.pattern
            case .builtIn(let profile): return profile.rawValue
            }
        }

        /// The operations (and globs) the entry stands for.
        var operations: [Glob] {
            switch self {
            case .operation(let glob): return [glob]
            case .builtIn(let profile): return profile.operations.map(Glob.init)
            }
        }
    }

    /// The entries as written, in order.
    public let entries: [Entry]
    /// Every operation and glob the entries stand for, built-ins expanded, each once.
    public let operations: [Glob]
    /// The literal operations of ``operations``, lowercased: most are literal, and a set answers
    /// for them without walking the list.
    private let literals: Set<String>
    private let patterns: [Glob]

    /// - Precondition: `entries` is not empty (the file reader refuses an empty profile).
    public init(_ entries: [Entry]) {
        self.entries = entries
        var seen = Set<String>()
        operations = entries.flatMap(\.operations).filter { seen.insert($0.pattern.lowercased()).inserted }
        literals = Set(operations.filter(\.isLiteral).map { $0.pattern.lowercased() })
        patterns = operations.filter { !$0.isLiteral }
    }

    /// Whether `operation` is one the profile expects (case-insensitively, as globs compare).
    public func contains(_ operation: String) -> Bool {
        if literals.contains(operation.lowercased()) { return true }
        guard !patterns.isEmpty else { return false }
        let subject = operation.utf8.map(\.asciiLowercased)
        return patterns.contains { $0.matches(lowercased: subject) }
    }

    /// The profile as YAML writes it, in one line: `secrets-reader`, `[secrets-reader, KeyGet]`.
    public var name: String {
        entries.count == 1 ? entries[0].description : "[\(entries.map(\.description).joined(separator: ", "))]"
    }

    /// The profile as a summary says it: its name, and what that expands to when it names a
    /// built-in — `secrets-reader (SecretGet, SecretList, SecretListVersions)`.
    public var explained: String {
        guard entries.contains(where: { if case .builtIn = $0 { return true } else { return false } }) else { return name }
        return "\(name) (\(operations.map(\.pattern).joined(separator: ", ")))"
    }
}

/// The named profiles `identities.yaml` may use, each what a common kind of workload calls.
/// Names are lower case with dashes, so they never read as an operation (which the logs write in
/// CamelCase).
public enum BuiltInProfile: String, Sendable, Hashable, CaseIterable {
    /// Envelope encryption of Kubernetes secrets at rest: the AKS KMS plugin (Key Vault
    /// `KeyWrap`, `KeyUnwrap`, `KeyGet`) and EKS envelope encryption (KMS `Encrypt`, `Decrypt`,
    /// `GenerateDataKey*`, `DescribeKey`).
    case kmsPlugin = "kms-plugin"
    /// A workload reading its secrets (the Secrets Store CSI driver, an SDK): what Key Vault's
    /// "Key Vault Secrets User" role allows.
    case secretsReader = "secrets-reader"
    /// A workload reading its certificates, private key included (the key of a certificate is read
    /// as its secret): the reads a workload makes of what Key Vault's "Key Vault Certificate User"
    /// role allows — fewer than the role, which also lists secrets and reads keys.
    case certificatesReader = "certificates-reader"
    /// A workload using keys without managing them: the cryptographic operations and key reads of
    /// Key Vault's "Key Vault Crypto User" role (not its updates and backups, which a workload has
    /// no need of), and KMS's cryptographic operations with the reads they need.
    case cryptoUser = "crypto-user"

    /// The operations (and globs over operations) the profile stands for.
    public var operations: [String] {
        switch self {
        case .kmsPlugin:
            return ["KeyWrap", "KeyUnwrap", "KeyGet", "Encrypt", "Decrypt", "GenerateDataKey*", "DescribeKey"]
        case .secretsReader:
            return ["SecretGet", "SecretList", "SecretListVersions"]
        case .certificatesReader:
            return ["CertificateGet", "CertificateList", "CertificateListVersions", "SecretGet"]
        case .cryptoUser:
            return ["KeyEncrypt", "KeyDecrypt", "KeyWrap", "KeyUnwrap", "KeySign", "KeyVerify", "KeyGet", "KeyList",
                    "Encrypt", "Decrypt", "ReEncrypt*", "GenerateDataKey*", "Sign", "Verify", "GenerateMac", "VerifyMac",
                    "DescribeKey", "GetPublicKey"]
        }
    }

    /// Every built-in's name, sorted: what an error about an unknown one lists.
    public static var names: [String] { allCases.map(\.rawValue).sorted() }
}
