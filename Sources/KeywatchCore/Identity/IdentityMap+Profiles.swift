extension IdentityMap {
    /// A profile that applies to a caller, and whose it is.
    public struct AppliedProfile: Sendable, Equatable {
        /// Who declared the profile.
        public enum Holder: Sendable, Equatable, CustomStringConvertible {
            /// The principal's own, under `profiles:` (as written there).
            case principal(String)
            /// The caller's namespace's, `namespaces.<name>.profile`.
            case namespace(String)

            public var description: String {
                switch self {
                case .principal(let principal): return "principal \(principal)"
                case .namespace(let name): return "namespace \(name)"
                }
            }
        }

        public var profile: OperationProfile
        public var holder: Holder

        public init(profile: OperationProfile, holder: Holder) {
            self.profile = profile
            self.holder = holder
        }
    }

    /// Whether any namespace or principal has a profile: without one, no caller does.
    public var hasProfiles: Bool { !profiles.isEmpty || namespaces.values.contains { $0.profile != nil } }

    /// The profile that applies to a caller: its own (by principal, then client id, then its
    /// `system:serviceaccount:<namespace>:<name>` subject), else its namespace's. `namespace` is
    /// the event's, which attribution filled in (from this map, or an IRSA / Pod Identity
    /// session); without it, the namespace this map places the principal in.
    public func profile(ofPrincipal principal: String?, appID: String? = nil, namespace: String? = nil,
                        serviceAccount: String? = nil) -> AppliedProfile? {
        guard hasProfiles else { return nil }
        if !profileIndex.isEmpty {
            var subject: String?
            if let namespace, let serviceAccount, !namespace.isEmpty, !serviceAccount.isEmpty {
                subject = "system:serviceaccount:\(namespace):\(serviceAccount)"
            }
            for candidate in [principal, appID, subject] {
                guard let candidate, !candidate.isEmpty else { continue }
                if let own = profileIndex[candidate.lowercased()] {
                    return AppliedProfile(profile: own.profile, holder: .principal(own.principal))
                }
            }
        }
        let name = namespace.flatMap { $0.isEmpty ? nil : $0 } ?? self.namespace(ofPrincipal: principal, appID: appID)
        guard let name, let profile = namespaces[name]?.profile else { return nil }
        return AppliedProfile(profile: profile, holder: .namespace(name))
    }

    /// Whether `operation` is inside the caller's profile: nil when the caller has none (see
    /// ``profile(ofPrincipal:appID:namespace:serviceAccount:)``).
    public func allows(_ operation: String, principal: String?, appID: String? = nil, namespace: String? = nil,
                       serviceAccount: String? = nil) -> Bool? {
        profile(ofPrincipal: principal, appID: appID, namespace: namespace, serviceAccount: serviceAccount)?.profile.contains(operation)
    }
}
