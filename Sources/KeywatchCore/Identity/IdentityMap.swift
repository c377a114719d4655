/// Which Kubernetes namespace each principal belongs to, and which resources each namespace owns
/// (`rules/identities.yaml`, docs/rules.md). Principals are Azure object or client ids, IAM role ARNs,
/// or `system:serviceaccount:<ns>:<sa>` subjects; resources are glob patterns over `resource`
/// (and over the object name, so KMS alias patterns like `alias/payments/*` work). Namespaces and
/// principals may have a profile: the operations they are expected to use.
public struct IdentityMap: Sendable, Equatable {
    public struct Namespace: Sendable, Equatable {
        public var principals: [String]
        public var resources: [Glob]
        /// The operations the namespace's workloads are expected to use (`profile:`).
        public var profile: OperationProfile?

        public init(principals: [String] = [], resources: [Glob] = [], profile: OperationProfile? = nil) {
            self.principals = principals
            self.resources = resources
            self.profile = profile
        }
    }

    /// Who owns a resource.
    public enum Owner: Sendable, Equatable {
        case namespace(String)
        /// Listed under `shared`: every namespace may use it.
        case shared
        case unknown
    }

    public var namespaces: [String: Namespace]
    public var shared: [Glob]
    /// The AWS accounts that are ours (`accounts:`): a grant or policy letting in any other is to
    /// a foreign account. Empty: the accounts the logs show as their own are (see
    /// ``DerivationContext``).
    public var accounts: [String]
    /// Our AWS organisations' ids (`organization:`, `o-…`): a policy restricted to one is ours.
    public var organizations: [String]
    /// Resources nobody should touch (`decoys:`, glob patterns like `resources`): bait, for the
    /// `decoy` derivation.
    public var decoys: [Glob]
    /// Principals' own profiles (`profiles:`), by the principal as written: each overrides its
    /// namespace's.
    public let profiles: [String: OperationProfile]
    private let principalIndex: [String: String]
    /// ``profiles`` by the principal lowercased, as principals are looked up.
    let profileIndex: [String: PrincipalProfile]
    /// Whether `profiles:` names a `system:serviceaccount:` subject: without one, a caller's
    /// service account is not looked up.
    let hasServiceAccountProfiles: Bool

    /// A principal's own profile, and the principal as `profiles:` writes it.
    struct PrincipalProfile: Sendable, Equatable {
        var principal: String
        var profile: OperationProfile
    }
    /// The resource patterns in the order ``owner(ofResource:objectName:)`` tries them: shared,
    /// then each namespace by name.
    private let resourcePatterns: [OwnedPatterns]

    private struct OwnedPatterns: Sendable, Equatable {
        var owner: Owner
        var patterns: [Glob]
    }

    public init(namespaces: [String: Namespace] = [:], shared: [Glob] = [], accounts: [String] = [],
                organizations: [String] = [], decoys: [Glob] = [], profiles: [String: OperationProfile] = [:]) {
        self.namespaces = namespaces
        self.shared = shared
        self.accounts = accounts
        self.organizations = organizations
        self.decoys = decoys
        self.profiles = profiles
        // Principals that differ only in case (the file reader refuses them): the first in order wins.
        profileIndex = Dictionary(profiles.keys.sorted().map { ($0.lowercased(), PrincipalProfile(principal: $0, profile: profiles[$0]!)) },
                                  uniquingKeysWith: { first, _ in first })
        hasServiceAccountProfiles = profileIndex.keys.contains { $0.hasPrefix("system:serviceaccount:") }
        var index: [String: String] = [:]
        for name in namespaces.keys.sorted() {
            for principal in namespaces[name]!.principals { index[principal.lowercased()] = name }
        }
        principalIndex = index
        resourcePatterns = [OwnedPatterns(owner: .shared, patterns: shared)]
            + namespaces.keys.sorted().map { OwnedPatterns(owner: .namespace($0), patterns: namespaces[$0]!.resources) }
    }

    public static let empty = IdentityMap()

    /// This map with `accounts` and `organizations` (the daemon's configuration) added to its own.
    public func adding(accounts: [String], organizations: [String]) -> IdentityMap {
        var map = self
        map.accounts += accounts.filter { !self.accounts.contains($0) }
        map.organizations += organizations.filter { !self.organizations.contains($0) }
        return map
    }

    public var isEmpty: Bool {
        namespaces.isEmpty && shared.isEmpty && accounts.isEmpty && organizations.isEmpty && decoys.isEmpty && profiles.isEmpty
    }

    /// The namespace a principal (or its client id) belongs to; a `system:serviceaccount:` subject
    /// belongs to its own namespace even when not listed.
    public func namespace(ofPrincipal principal: String?, appID: String? = nil) -> String? {
        for candidate in [principal, appID] {
            if let candidate, let found = namespace(ofListed: candidate.lowercased()) { return found }
        }
        return principal?.kubernetesServiceAccount?.namespace
    }

    /// The namespace listing `principal` (lowercased) under `principals:`.
    func namespace(ofListed principal: String) -> String? { principalIndex[principal] }

    /// Who owns `resource` (or the object named `objectName`): the first namespace listing a
    /// matching pattern (namespaces in name order), else `shared`, else unknown.
    public func owner(ofResource resource: String?, objectName: String? = nil) -> Owner {
        guard resource != nil || objectName != nil else { return .unknown }
        let subjects = [resource, objectName].compactMap { $0?.utf8.map(\.asciiLowercased) }
        func matches(_ glob: Glob) -> Bool { subjects.contains(where: glob.matches(lowercased:)) }
        return resourcePatterns.first { $0.patterns.contains(where: matches) }?.owner ?? .unknown
    }
}
