/// Fills in who-is-which-workload: `namespace` and `service_account` of the caller, and the
/// `resource_namespace` that owns what it touched.
///
/// Two sources: the identity map, and the join of IRSA / Pod Identity sessions — an STS
/// `AssumeRoleWithWebIdentity` (or EKS Auth `AssumeRoleForPodIdentity`) names the service account a
/// role session is for; later KMS calls made with that session (same role, same session name)
/// belong to it. Sessions are remembered (bounded, oldest forgotten first) and handed to the store
/// so a restart keeps them. Pure: lookups are cached per distinct string of a batch.
public struct WorkloadAttribution {
    /// A role session and the Kubernetes service account it was issued to.
    public struct Session: Sendable, Hashable {
        public var role: String
        public var name: String
        public var namespace: String
        public var serviceAccount: String?
        public var seen: Timestamp

        public init(role: String, name: String, namespace: String, serviceAccount: String?, seen: Timestamp) {
            self.role = role
            self.name = name
            self.namespace = namespace
            self.serviceAccount = serviceAccount
            self.seen = seen
        }
    }

    public var identities: IdentityMap
    /// Sessions, by role ARN and session name.
    private var sessions: [SessionKey: Session] = [:]
    private let maximumSessions: Int
    /// Sessions learned since ``takeNewSessions()``, for the store.
    private var learned: [Session] = []

    private struct SessionKey: Hashable {
        var role: String
        var name: String
    }

    public init(identities: IdentityMap = .empty, sessions known: [Session] = [], maximumSessions: Int = 200_000) {
        self.identities = identities
        self.maximumSessions = maximumSessions
        for session in known { sessions[SessionKey(role: session.role, name: session.name)] = session }
    }

    /// How many sessions are known.
    public var sessionCount: Int { sessions.count }

    /// Sessions learned since the last call, to be stored with the batch that taught them.
    public mutating func takeNewSessions() -> [Session] {
        defer { learned.removeAll(keepingCapacity: true) }
        return learned
    }

    /// Attributes every row of `batch`.
    public mutating func attribute(_ batch: inout EventBatch) {
        guard !batch.rows.isEmpty else { return }
        // First learn the sessions the batch's STS / EKS Auth events open, so a KMS call in the
        // same batch finds them.
        for row in batch.rows where row.source != .awsKMS && row.source != .azureKeyVault {
            learn(from: row, in: batch)
        }
        var principalNamespaces: [StringIndex: StringIndex] = [:]
        var resourceOwners: [StringIndex: StringIndex] = [:]
        var added: [String: StringIndex] = [:]
        func intern(_ value: String?) -> StringIndex {
            guard let value else { return .none }
            if let found = added[value] { return found }
            let index = batch.intern(value)
            added[value] = index
            return index
        }
        for position in batch.rows.indices {
            var row = batch.rows[position]
            if row.namespace.isNone {
                if let session = sessionOf(row, in: batch) {
                    row.namespace = intern(session.namespace)
                    row.serviceAccount = intern(session.serviceAccount)
                } else if !identities.isEmpty || isServiceAccountSubject(row.principal, in: batch) {
                    let key = row.principal.isNone ? row.appID : row.principal
                    if let cached = principalNamespaces[key] {
                        row.namespace = cached
                    } else {
                        let found = intern(identities.namespace(ofPrincipal: batch.string(row.principal), appID: batch.string(row.appID)))
                        principalNamespaces[key] = found
                        row.namespace = found
                    }
                }
            }
            if !identities.isEmpty, !row.resource.isNone || !row.objectName.isNone {
                let key = row.resource.isNone ? row.objectName : row.resource
                if let cached = resourceOwners[key] {
                    row.resourceNamespace = cached
                } else {
                    var owner = StringIndex.none
                    if case .namespace(let name) = identities.owner(ofResource: batch.string(row.resource), objectName: batch.string(row.objectName)) {
                        owner = intern(name)
                    }
                    resourceOwners[key] = owner
                    row.resourceNamespace = owner
                }
            }
            batch.rows[position] = row
        }
    }

    private func isServiceAccountSubject(_ principal: StringIndex, in batch: EventBatch) -> Bool {
        batch.string(principal)?.hasPrefix("system:serviceaccount:") == true
    }

    private mutating func learn(from row: EventRow, in batch: EventBatch) {
        guard row.outcome == .success, let namespace = batch.string(row.namespace), let name = batch.string(row.session),
              let role = Self.roleARN(row, in: batch) else { return }
        let session = Session(role: role, name: name, namespace: namespace, serviceAccount: batch.string(row.serviceAccount), seen: row.time)
        let key = SessionKey(role: role, name: name)
        if sessions[key] == session { return }
        if sessions.count >= maximumSessions { forgetOldest() }
        sessions[key] = session
        learned.append(session)
    }

    /// The role a session is of: an STS call's target role (`resource`), or a KMS caller's role.
    private static func roleARN(_ row: EventRow, in batch: EventBatch) -> String? {
        if row.source == .awsKMS { return row.principalType == .role ? batch.string(row.principal) : nil }
        if let resource = batch.string(row.resource), resource.containsBytes(":role/") { return resource }
        return nil
    }

    private func sessionOf(_ row: EventRow, in batch: EventBatch) -> Session? {
        guard row.source == .awsKMS, !sessions.isEmpty, let name = batch.string(row.session),
              let role = Self.roleARN(row, in: batch) else { return nil }
        return sessions[SessionKey(role: role, name: name)]
    }

    private mutating func forgetOldest() {
        let cutoff = sessions.values.map(\.seen).sorted()[sessions.count / 4]
        sessions = sessions.filter { $0.value.seen > cutoff }
    }
}

extension EventBatch {
    /// The index of `string` in the table, added if absent (a linear search: for the few values
    /// attribution adds; ingest's hot path uses ``StringInterner``).
    mutating func intern(_ string: String?) -> StringIndex {
        guard let string, !string.isEmpty else { return .none }
        if let found = strings.lastIndex(of: string), found > 0 { return StringIndex(rawValue: UInt32(found)) }
        return appendString(string)
    }
}
