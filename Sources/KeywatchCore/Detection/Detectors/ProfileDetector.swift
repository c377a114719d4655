/// `type: outside_profile` — a caller using an operation outside its profile (`identities.yaml`):
/// the AKS KMS plugin, expected to wrap and unwrap, deleting a secret; a workload that reads its
/// secrets setting one.
///
/// The profile is the caller's own (`profiles:`, by principal, client id or service account) or,
/// failing that, its namespace's — the event's `namespace`, which includes namespaces attributed
/// through IRSA / Pod Identity sessions. A caller with no profile is never a finding.
struct ProfileDetector: EventDetector {
    static let type = "outside_profile"
    static let keys: [String] = []

    init(reading rule: RuleSettings) {}

    func finding(for event: EventView, of rule: Rule, memory: inout RuleMemory) -> Finding? {
        let profiles = event.fields.profiles
        guard case .outside(let position) = profiles.verdict(for: event.row) else { return nil }
        let applied = profiles.applied[position]
        let operation = event.text(of: .operation)
        let namespace = event.text(of: .namespace)
        var who = event.text(of: .principal).nonEmpty ?? event.text(of: .appID).nonEmpty ?? "an unknown caller"
        if !namespace.isEmpty { who += " of namespace \(namespace)" }
        let target = event.text(of: .resource).nonEmpty.map { " on \($0)" } ?? ""
        let outcome = event.outcome == .success ? "" : " (\(event.outcome.rawValue))"
        return Finding(
            summary: "\(who): \(operation)\(outcome)\(target), outside its profile \(applied.profile.explained)",
            details: [AlertDetail("operation", .text(operation)),
                      AlertDetail("profile", .list(applied.profile.entries.map(\.description))),
                      AlertDetail("profile_operations", .list(applied.profile.operations.map(\.pattern))),
                      AlertDetail("profile_of", .text(applied.holder.description))])
    }
}
