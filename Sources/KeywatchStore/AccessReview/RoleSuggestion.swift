import KeywatchCore

/// The narrowest Azure built-in role that covers what a caller did to one kind of object in one
/// vault, and the scopes to assign it at: the objects themselves when they are few and every
/// operation allows it, else the vault.
public struct RoleSuggestion: Sendable, Equatable {
    public var role: String
    public var kind: KeyVaultRole.ObjectKind
    /// The vault's name, lower case.
    public var vault: String
    /// The operations the role must allow, sorted.
    public var operations: [String]
    /// The objects used (their names), sorted; empty for the vault kind.
    public var objects: [String]
    /// Azure resource ids to assign the role at: the vault's, or one per object.
    public var scopes: [String]
    /// Whether the scope is the whole vault only because the caller used more than
    /// ``AccessReview/maximumObjectScopes`` objects.
    public var vaultWideForCount: Bool
    /// One `az role assignment create` line per scope.
    public var commands: [String]

    /// The suggestions for `uses`, a caller's successful Key Vault calls: one per vault and kind
    /// of object, in vault then kind order.
    static func narrowest(for uses: [ResourceUsage], principal: String, principalType: PrincipalType?,
                          vaultIDs: [String: String]) -> [RoleSuggestion] {
        struct Group: Hashable { var vault: String; var kind: KeyVaultRole.ObjectKind }
        var groups: [Group: (operations: Set<String>, objects: Set<String>)] = [:]
        for use in uses {
            guard let kind = KeyVaultRole.kind(of: use.operation) else { continue }
            let vault = Self.vault(of: use)
            let group = Group(vault: vault, kind: kind)
            groups[group, default: ([], [])].operations.insert(use.operation)
            if kind != .vault, let name = use.objectName ?? use.resource.flatMap(Self.objectName) {
                groups[group]!.objects.insert(name)
            }
        }
        let order = KeyVaultRole.ObjectKind.allCases
        return groups.sorted { ($0.key.vault, order.firstIndex(of: $0.key.kind)!) < ($1.key.vault, order.firstIndex(of: $1.key.kind)!) }
            .map { group, used in
                let role = KeyVaultRole.narrowest(of: group.kind, covering: used.operations)
                let vaultID = vaultIDs[group.vault] ?? Self.placeholderID(vault: group.vault)
                let tooMany = used.objects.count > AccessReview.maximumObjectScopes
                let onVault = KeyVaultRole.needsVaultScope(group.kind, used.operations) || tooMany || used.objects.isEmpty
                let scopes = onVault ? [vaultID] : used.objects.sorted().map { "\(vaultID)/\(group.kind.segment)/\($0)" }
                return RoleSuggestion(
                    role: role.name, kind: group.kind, vault: group.vault, operations: used.operations.sorted(),
                    objects: group.kind == .vault ? [] : used.objects.sorted(), scopes: scopes,
                    vaultWideForCount: tooMany && !KeyVaultRole.needsVaultScope(group.kind, used.operations),
                    commands: scopes.map { Self.command(role: role.name, principal: principal, type: principalType, scope: $0) })
            }
    }

    /// `az role assignment create` for an object id (Key Vault's principals are Entra object
    /// ids), naming its type so the command needs no Graph lookup.
    static func command(role: String, principal: String, type: PrincipalType?, scope: String) -> String {
        let assigneeType = type == .user ? "User" : "ServicePrincipal"
        return "az role assignment create " + ShellWord.options([
            ("--assignee-object-id", principal), ("--assignee-principal-type", assigneeType), ("--role", role), ("--scope", scope),
        ])
    }

    /// A vault's resource id when no record of it said (pushed records may lack `resourceId`):
    /// the parts keywatch cannot know are left for the reader to fill in.
    static func placeholderID(vault: String) -> String {
        "/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/Microsoft.KeyVault/vaults/\(vault)"
    }

    /// The vault a Key Vault call was made to: its `scope`, else the host of its resource.
    static func vault(of use: ResourceUsage) -> String {
        use.scope ?? vault(ofResource: use.resource) ?? "-"
    }

    /// `kv-payments` of `https://kv-payments.vault.azure.net/secrets/x`.
    static func vault(ofResource resource: String?) -> String? {
        guard let resource, let host = resource.split(separator: "/").dropFirst().first else { return nil }
        return host.split(separator: ".").first.map { String($0).lowercased() }
    }

    /// `x` of `https://kv-payments.vault.azure.net/secrets/x`.
    static func objectName(ofResource resource: String) -> String? {
        let parts = resource.split(separator: "/")
        return parts.count >= 4 ? String(parts[3]) : nil
    }
}

/// The permissions a vault that authorizes by access policy must give a caller for what it did:
/// access policies are per vault, with a list of permissions per kind of object.
public struct AccessPolicySuggestion: Sendable, Equatable {
    public var vault: String
    public var secrets: [String]
    public var keys: [String]
    public var certificates: [String]
    /// `az keyvault set-policy` granting exactly these.
    public var command: String

    static func permissions(for uses: [ResourceUsage], principal: String) -> [AccessPolicySuggestion] {
        var byVault: [String: [KeyVaultRole.ObjectKind: Set<String>]] = [:]
        for use in uses {
            guard let (kind, permission) = KeyVaultPermission.of(use.operation) else { continue }
            let vault = RoleSuggestion.vault(of: use)
            byVault[vault, default: [:]][kind, default: []].insert(permission)
        }
        return byVault.keys.sorted().map { vault in
            let kinds = byVault[vault]!
            let secrets = kinds[.secrets]?.sorted() ?? [], keys = kinds[.keys]?.sorted() ?? []
            let certificates = kinds[.certificates]?.sorted() ?? []
            var command = "az keyvault set-policy " + ShellWord.options([("--name", vault), ("--object-id", principal)])
            for (option, permissions) in [("--secret-permissions", secrets), ("--key-permissions", keys), ("--certificate-permissions", certificates)]
            where !permissions.isEmpty {
                command += " \(option) " + permissions.map(ShellWord.quoted).joined(separator: " ")
            }
            return AccessPolicySuggestion(vault: vault, secrets: secrets, keys: keys, certificates: certificates, command: command)
        }
    }
}

/// Words of a suggested shell command. Every value in one came from a log record, which whoever
/// wrote the log controls: each is single-quoted unless it is plain characters (quotes inside
/// are closed, escaped and reopened, byte by byte, so no combining mark can hide one), and is
/// given as `--option=value`, so a value starting with `-` is never read as an option.
enum ShellWord {
    static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || "-_./:=@,+%".utf8.contains(byte)
        }
        guard !plain else { return word }
        var quoted: [UInt8] = [UInt8(ascii: "'")]
        for byte in word.utf8 {
            if byte == UInt8(ascii: "'") { quoted += Array("'\\''".utf8) } else { quoted.append(byte) }
        }
        quoted.append(UInt8(ascii: "'"))
        return String(decoding: quoted, as: UTF8.self)
    }

    /// `--name=value` pairs, each value quoted.
    static func options(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0)=\(quoted($0.1))" }.joined(separator: " ")
    }
}
