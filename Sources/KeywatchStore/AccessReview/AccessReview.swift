import KeywatchCore

/// A least-privilege review of a span of events (`keywatch access-review`): for each caller, what
/// it did to which resource, what it was refused, the narrowest grant that covers what it did,
/// and what stands out.
///
/// Built from ``ResourceUsage`` rows alone, so what it says is what the logs show: a grant is
/// suggested for the operations that succeeded in the span, never for what was denied, and a
/// permission the principal holds but never used appears nowhere — which is the point: the
/// suggestion is what it needs, to compare with what it has.
public struct AccessReview: Sendable {
    /// One caller: a principal, in the workload keywatch placed it in.
    public struct Caller: Sendable, Hashable {
        public var principal: String?
        public var namespace: String?
        public var serviceAccount: String?
    }

    /// What one caller did, needs and shows.
    public struct Entry: Sendable {
        public var caller: Caller
        public var principalName: String?
        public var principalType: PrincipalType?
        /// Its successful calls, by resource then operation.
        public var used: [ResourceUsage]
        /// Its denied calls, by resource then operation.
        public var denied: [ResourceUsage]
        /// Key Vault: the narrowest built-in role per vault and kind of object, with its scopes.
        public var roles: [RoleSuggestion]
        /// Key Vault vaults authorizing by access policy: the permissions per vault.
        public var accessPolicies: [AccessPolicySuggestion]
        /// KMS: the IAM policy with exactly the actions and keys it used; nil when it made no KMS call.
        public var kmsPolicy: KMSPolicy?
        public var findings: [AccessFinding]

        /// Successful calls in the span.
        public var calls: Int
        /// Denied calls in the span.
        public var deniedCalls: Int
    }

    /// Events at or after `since`, before `until` (nil: unbounded).
    public var since: Timestamp?
    public var until: Timestamp?
    /// Callers, most successful calls first.
    public var entries: [Entry]
    /// Resources the store knows that nobody used in the span (a review of every caller only).
    public var unusedResources: [UnusedResource]

    /// A resource no call of the span touched.
    public struct UnusedResource: Sendable, Equatable {
        public var resource: String
        public var objectName: String?
    }

    /// Classes of events that are not a caller using a resource: AWS's own service events
    /// (`RotateKey`), and signing in.
    static let notUse: Set<EventClass> = [.service, .auth]

    /// More objects of one kind in one vault than this, used by one caller, are suggested as a
    /// grant on the vault — and reported, since the caller then needs what a wildcard grants.
    public static let maximumObjectScopes = 10

    /// The review of `usages`. `vaultIDs` gives each vault's Azure resource id by its name
    /// (lower case); `knownResources` every resource the store holds, for the unused ones (empty
    /// when the review is of some callers only).
    public init(usages: [ResourceUsage], vaultIDs: [String: String], knownResources: [UnusedResource],
                since: Timestamp?, until: Timestamp?) {
        self.since = since
        self.until = until
        var byCaller: [Caller: [ResourceUsage]] = [:]
        // AWS's own service events and authentication are no caller's use of a key or secret.
        let calls = usages.filter { $0.principal != nil && !Self.notUse.contains($0.operationClass) }
        for usage in calls {
            byCaller[Caller(principal: usage.principal, namespace: usage.namespace, serviceAccount: usage.serviceAccount), default: []].append(usage)
        }
        let unordered = byCaller.map { caller, usages in Self.entry(caller, usages, vaultIDs: vaultIDs) }
        // Sorted by position, so that the sort moves integers rather than whole entries.
        func name(_ caller: Caller) -> (String, String, String) {
            (caller.principal ?? "", caller.namespace ?? "", caller.serviceAccount ?? "")
        }
        entries = unordered.indices.sorted {
            let (left, right) = (unordered[$0], unordered[$1])
            return left.calls != right.calls ? left.calls > right.calls : name(left.caller) < name(right.caller)
        }.map { unordered[$0] }
        let used = Set(calls.lazy.filter { $0.outcome == .success }.compactMap(\.resource))
        unusedResources = knownResources.filter { !used.contains($0.resource) }.sorted { $0.resource < $1.resource }
    }

    private static func entry(_ caller: Caller, _ usages: [ResourceUsage], vaultIDs: [String: String]) -> Entry {
        // Sorted by position, so that the sort moves integers rather than rows of a dozen strings.
        let order = usages.indices.sorted {
            (usages[$0].resource ?? "", usages[$0].operation) < (usages[$1].resource ?? "", usages[$1].operation)
        }
        let ordered = order.map { usages[$0] }
        let used = ordered.filter { $0.outcome == .success }
        let denied = ordered.filter { $0.outcome == .denied }
        let newest = usages.max { $0.last < $1.last }
        var entry = Entry(
            caller: caller, principalName: newest?.principalName, principalType: newest?.principalType,
            used: used, denied: denied, roles: [], accessPolicies: [], kmsPolicy: KMSPolicy(uses: used), findings: [],
            calls: used.reduce(0) { $0 + $1.count }, deniedCalls: denied.reduce(0) { $0 + $1.count })
        let keyVault = used.filter { $0.source == .azureKeyVault }
        entry.roles = RoleSuggestion.narrowest(for: keyVault, principal: caller.principal ?? "", principalType: entry.principalType, vaultIDs: vaultIDs)
        entry.accessPolicies = AccessPolicySuggestion.permissions(for: keyVault, principal: caller.principal ?? "")
        entry.findings = AccessFinding.findings(of: entry)
        return entry
    }
}
