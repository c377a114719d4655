import KeywatchCore

/// What an access review points out about one caller: where least privilege cannot be reached,
/// or where one identity does what two should.
public struct AccessFinding: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// It used so many objects of a vault that only a grant on the whole vault covers them:
        /// what it needs is what a wildcard grants.
        case vaultWide = "vault-wide"
        /// It administers (deletes, purges, changes policies or permissions) and also reads or
        /// uses secrets and keys: administration and data-plane use belong to separate identities.
        case adminAndData = "admin-and-data"
        /// It was denied: what it tried needs a grant it does not have, or it should not try.
        case denied
    }

    public var kind: Kind
    /// One sentence, for the table.
    public var message: String

    /// Classes whose operations administer keys, secrets and their permissions.
    static let administration: Set<EventClass> = [.destroy, .permission]
    /// Classes of data-plane use.
    static let dataPlane: Set<EventClass> = [.read, .crypto]

    static func findings(of entry: AccessReview.Entry) -> [AccessFinding] {
        var findings: [AccessFinding] = []
        for role in entry.roles where role.vaultWideForCount {
            findings.append(AccessFinding(
                kind: .vaultWide,
                message: "uses \(role.objects.count) \(role.kind.rawValue) of vault \(role.vault): only a grant on the whole vault covers them"))
        }
        let admin = Set(entry.used.filter { administration.contains($0.operationClass) }.map(\.operation))
        let data = Set(entry.used.filter { dataPlane.contains($0.operationClass) }.map(\.operation))
        if !admin.isEmpty, !data.isEmpty {
            findings.append(AccessFinding(
                kind: .adminAndData,
                message: "administers (\(admin.sorted().joined(separator: ", "))) and also uses data (\(data.sorted().joined(separator: ", ")))"))
        }
        if entry.deniedCalls > 0 {
            let operations = Set(entry.denied.map(\.operation)).sorted()
            findings.append(AccessFinding(
                kind: .denied,
                message: "was denied \(entry.deniedCalls) time\(entry.deniedCalls == 1 ? "" : "s") (\(operations.joined(separator: ", ")))"))
        }
        return findings
    }
}
