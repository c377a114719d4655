import KeywatchCore
import KeywatchStore

/// `keywatch access-review` as a person reads it: a section per caller — who it is, a table of
/// what it did with a bar per row, what it was denied, the suggested grant ready to paste, and
/// its findings; then the resources nobody used.
struct AccessReviewTable {
    let review: AccessReview
    /// Unused resources listed at most (JSON has them all).
    static let unusedShown = 20

    func render() -> [String] {
        var lines = ["ACCESS REVIEW of \(span) — \(Numbers.grouped(review.entries.count)) caller\(review.entries.count == 1 ? "" : "s")"]
        for entry in review.entries {
            lines.append("")
            lines += section(entry)
        }
        if !review.unusedResources.isEmpty {
            lines.append("")
            lines.append("UNUSED in this span: \(Numbers.grouped(review.unusedResources.count)) key\(review.unusedResources.count == 1 ? "" : "s")/secret\(review.unusedResources.count == 1 ? "" : "s") the store knows")
            for resource in review.unusedResources.prefix(Self.unusedShown) {
                lines.append("  " + TerminalText.escape(resource.resource))
            }
            if review.unusedResources.count > Self.unusedShown {
                lines.append("  … \(review.unusedResources.count - Self.unusedShown) more (--format json lists them all)")
            }
        }
        return lines
    }

    private var span: String {
        let since = review.since.map { String($0.rfc3339.prefix(10)) } ?? "the first event"
        let until = review.until.map { String($0.rfc3339.prefix(10)) } ?? "now"
        return "\(since) to \(until)"
    }

    private func section(_ entry: AccessReview.Entry) -> [String] {
        var who = TerminalText.escape(entry.principalName ?? entry.caller.principal ?? "-")
        var about: [String] = []
        if entry.principalName != nil, let principal = entry.caller.principal { about.append(TerminalText.escape(principal)) }
        if let type = entry.principalType { about.append(type.rawValue) }
        if let namespace = entry.caller.namespace { about.append("namespace " + TerminalText.escape(namespace)) }
        if let account = entry.caller.serviceAccount { about.append("service account " + TerminalText.escape(account)) }
        if !about.isEmpty { who += "  (" + about.joined(separator: ", ") + ")" }
        var lines = [Terminal.bold(who), "  \(Numbers.grouped(entry.calls)) successful call\(entry.calls == 1 ? "" : "s"), \(Numbers.grouped(entry.deniedCalls)) denied"]
        if !entry.used.isEmpty { lines += indented(usageTable(entry.used)) }
        if !entry.denied.isEmpty {
            lines.append("  DENIED")
            lines += indented(usageTable(entry.denied))
        }
        let grant = grantLines(entry)
        if !grant.isEmpty {
            lines.append("  SUGGESTED GRANT (what succeeded, nothing more)")
            lines += grant.map { "    " + $0 }
        }
        if !entry.findings.isEmpty {
            lines.append("  FINDINGS")
            lines += entry.findings.map { "    " + SeverityColour.paint("! " + TerminalText.escape($0.message), severity: "medium") }
        }
        return lines
    }

    private func usageTable(_ uses: [ResourceUsage]) -> [String] {
        var table = Table(headers: ["OPERATION", "RESOURCE", "CALLS", "", "FIRST", "LAST"])
        table.keepWhole = [2, 3, 4, 5]
        let largest = uses.map(\.count).max() ?? 0
        for use in uses {
            table.append([use.operation, Self.resourceLabel(use), Numbers.grouped(use.count),
                          BarChart.bar(use.count, of: largest, width: 12), Self.minute(use.first), Self.minute(use.last)])
        }
        return table.render(fitting: Terminal.width.map { $0 - 4 })
    }

    private func indented(_ lines: [String]) -> [String] { lines.map { "    " + $0 } }

    private func grantLines(_ entry: AccessReview.Entry) -> [String] {
        var lines: [String] = []
        for role in entry.roles {
            let onObjects = role.scopes.count == role.objects.count && !role.objects.isEmpty
            let on = !onObjects ? "vault \(role.vault)"
                : role.objects.count == 1 ? "\(role.vault)/\(role.kind.rawValue)/\(role.objects[0])"
                : "\(role.objects.count) \(role.kind.rawValue) of vault \(role.vault)"
            lines.append(TerminalText.escape("\(role.role) on \(on), for \(role.operations.joined(separator: ", "))"))
            lines += role.commands.map { "  " + TerminalText.escape($0) }
        }
        if !entry.accessPolicies.isEmpty {
            lines.append("Or, on a vault that authorizes by access policy:")
            lines += entry.accessPolicies.map { "  " + TerminalText.escape($0.command) }
        }
        if let policy = entry.kmsPolicy {
            lines.append("IAM policy for its KMS calls:")
            lines += policy.json(pretty: true).split(separator: "\n").map { "  " + TerminalText.escape(String($0)) }
        }
        return lines
    }

    /// A resource as tables name it: a Key Vault object as vault/name, a KMS key by its ARN.
    static func resourceLabel(_ use: ResourceUsage) -> String {
        guard let resource = use.resource else { return "-" }
        if use.source == .azureKeyVault, use.resourceType == .vault, let vault = use.scope { return vault }
        if use.source == .azureKeyVault, let vault = use.scope, let name = use.objectName {
            return "\(vault)/\(use.resourceType == .secret ? "secrets" : use.resourceType == .key ? "keys" : use.resourceType.rawValue)/\(name)"
        }
        return resource
    }

    /// `2026-11-20 09:14`: the minute is enough to place a first or last use.
    static func minute(_ time: Timestamp) -> String {
        let text = time.rfc3339
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5))
    }
}
