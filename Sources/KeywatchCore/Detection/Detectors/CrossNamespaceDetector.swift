/// `type: cross_namespace` — a workload of one Kubernetes namespace acting on a resource another
/// namespace owns (by the identities map): a pod reading a secret of another team.
struct CrossNamespaceDetector: EventDetector {
    static let type = "cross_namespace"
    static let keys: [String] = []

    init(reading rule: RuleSettings) {}

    func finding(for event: EventView, of rule: Rule, memory: inout RuleMemory) -> Finding? {
        let namespace = event.text(of: .namespace)
        let owner = event.text(of: .resourceNamespace)
        // Most events a rule of this type counts stay in their namespace: decided before anything is made.
        guard !namespace.isEmpty, !owner.isEmpty, namespace.lowercased() != owner.lowercased() else { return nil }
        let who = event.text(of: .principal).nonEmpty ?? "an unknown caller"
        let target = event.text(of: .resource).nonEmpty ?? "a resource"
        return Finding(
            summary: "\(who) of namespace \(namespace): \(event.text(of: .operation)) on \(target), owned by namespace \(owner)",
            details: [AlertDetail("namespace", .text(namespace)), AlertDetail("resource_namespace", .text(owner))])
    }
}
