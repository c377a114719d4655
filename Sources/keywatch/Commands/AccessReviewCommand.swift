import ArgumentParser
import KeywatchCore
import KeywatchStore

/// `keywatch access-review`: per caller, what it did to which key, secret or certificate, what it
/// was denied, the narrowest grant that covers what it did, and what stands out.
struct AccessReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access-review",
        abstract: "Least-privilege review: per caller, the operations it used on each resource, what it was denied, and the narrowest grant covering them.",
        discussion: """
            For each principal (with its Kubernetes namespace and service account when known): its successful \
            operations per resource with counts and first and last seen, its denied ones, and a suggested grant \
            built from what succeeded - for Key Vault the narrowest built-in role per vault and kind of object, \
            scoped to the objects used (or the vault when listing, creating, or more than 10 objects), as \
            `az role assignment create` lines, and the access-policy permissions as `az keyvault set-policy`; for \
            KMS an IAM policy with exactly the kms: actions and key ARNs used. Findings: vault-wide needs, \
            administration mixed with data-plane use, denials; and, reviewing every caller, the keys and secrets \
            nobody used in the span. Times are event times: RFC 3339 or a span before now (30d).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    @Option(help: "The store.")
    var db = "keywatch.db"

    @Option(help: "Events at or after this time (RFC 3339, or 15m, 24h, 30d ago).")
    var since = "30d"

    @Option(help: "Events before this time.")
    var until: String?

    @Option(help: "Review only this principal (ARN, object id...) or name; repeatable, * matches any characters.")
    var principal: [String] = []

    @Option(help: "Review only callers of this Kubernetes namespace; repeatable.")
    var namespace: [String] = []

    @Option(help: "table, json (one object) or csv (one line per caller, operation, resource and outcome).")
    var format: Format = .table

    func run() throws {
        let now = Timestamp.now
        let filter = UsageFilter(
            since: try TimeOption.parse(since, "--since", now: now), until: try TimeOption.parse(until, "--until", now: now),
            principals: principal, namespaces: namespace)
        let db = self.db
        let review = try StoreAccess.reading(db, command: "access-review") { reader in
            let halves = try SpanHalves.read(db, on: reader, since: filter.since, until: filter.until) { reader, since, until in
                var half = filter
                (half.since, half.until) = (since, until)
                return try reader.usage(of: half)
            }
            return try reader.accessReview(of: filter, usages: ResourceUsage.merging(halves.older, halves.newer))
        }
        switch format {
        case .json:
            review.writeJSON(Standard.append)
            Standard.out("")
        case .csv:
            review.csvLines.forEach(Standard.out)
        case .table:
            guard !review.entries.isEmpty else {
                Standard.error("no calls by \(principal.isEmpty && namespace.isEmpty ? "any caller" : "those callers") in that time (widen --since?)")
                return
            }
            AccessReviewTable(review: review).render().forEach(Standard.out)
        }
    }
}
