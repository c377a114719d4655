extension IdentityMap {
    /// A profile that applies to a caller, and whose it is.
    public struct AppliedProfile: Sendable, Equatable {
        /// Who declared the profile.
        public enum Holder: Sendable, Hashable, CustomStringConvertible {
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
        return profile(principal: entry(ofPrincipal: principal), appID: entry(ofAppID: appID), namespace: namespace,
                       serviceAccount: serviceAccount)
    }

    /// What the map says of one principal string on its own: its own profile, and the namespace
    /// it places it in. Looked up once per string (a batch's detection remembers it per string).
    struct PrincipalEntry {
        var own: AppliedProfile?
        /// The namespace listing it under `principals:`.
        var listedIn: String?
        /// The namespace of a `system:serviceaccount:` subject (a principal's, not a client id's).
        var serviceAccountNamespace: String?
    }

    /// What the map says of `principal`, an event's principal.
    func entry(ofPrincipal principal: String?) -> PrincipalEntry {
        var entry = entry(ofAppID: principal)
        entry.serviceAccountNamespace = principal?.kubernetesServiceAccount?.namespace
        return entry
    }

    /// What the map says of `appID`, an event's client id.
    func entry(ofAppID appID: String?) -> PrincipalEntry {
        guard let appID, !appID.isEmpty else { return PrincipalEntry() }
        let key = appID.lowercased()
        let own = profileIndex[key].map { AppliedProfile(profile: $0.profile, holder: .principal($0.principal)) }
        return PrincipalEntry(own: own, listedIn: namespace(ofListed: key))
    }

    /// ``profile(ofPrincipal:appID:namespace:serviceAccount:)`` of a caller whose principal and
    /// client id are already looked up, in the same order.
    func profile(principal: PrincipalEntry, appID: PrincipalEntry, namespace: String?, serviceAccount: String?) -> AppliedProfile? {
        if let own = principal.own ?? appID.own { return own }
        if hasServiceAccountProfiles, let namespace, let serviceAccount, !namespace.isEmpty, !serviceAccount.isEmpty,
           let own = profileIndex["system:serviceaccount:\(namespace):\(serviceAccount)".lowercased()] {
            return AppliedProfile(profile: own.profile, holder: .principal(own.principal))
        }
        // The order of namespace(ofPrincipal:appID:).
        let name = namespace.flatMap { $0.isEmpty ? nil : $0 } ?? principal.listedIn ?? appID.listedIn ?? principal.serviceAccountNamespace
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
