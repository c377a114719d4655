/// Fills in who-is-which-workload: `namespace` and `service_account` of the caller, and the
/// `resource_namespace` that owns what it touched.
///
/// Two sources: the identity map, and the join of IRSA / Pod Identity sessions — an STS
/// `AssumeRoleWithWebIdentity` (or EKS Auth `AssumeRoleForPodIdentity`) names the service account
/// the role session it creates (its `new_session`) is for; later KMS calls made with that session
/// (same role, their caller `session` the same name) belong to it. Sessions are remembered (bounded, oldest forgotten first) and handed to the store
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
    /// Sessions, by a 64-bit hash of role ARN and session name (checked on every hit).
    private var sessions: [UInt64: Session] = [:]
    private let maximumSessions: Int
    /// Sessions learned since ``takeNewSessions()``, for the store.
    private var learned: [Session] = []

    /// A session's key in ``sessions``: from the ``ContentHash``es of role and
    /// name, seeded per process so that an attacker cannot make a session displace another's.
    static func key(role: String, name: String) -> UInt64 {
        key(roleHash: ContentHash.of(role), nameHash: ContentHash.of(name))
    }

    static func key(roleHash: UInt64, nameHash: UInt64) -> UInt64 {
        (roleHash &* 0x9E37_79B9_7F4A_7C15) ^ nameHash
    }

    public init(identities: IdentityMap = .empty, sessions known: [Session] = [], maximumSessions: Int = 200_000) {
        self.identities = identities
        self.maximumSessions = maximumSessions
        for session in known { sessions[Self.key(role: session.role, name: session.name)] = session }
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
        // What each distinct principal and resource of the batch maps to, worked out once:
        // dense tables by string index, `unknown` until computed.
        let unknown = UInt32.max
        var principalNamespaces = [UInt32](repeating: unknown, count: batch.strings.count)
        var resourceOwners = [UInt32](repeating: unknown, count: batch.strings.count)
        var added: [String: StringIndex] = [:]
        func intern(_ value: String?) -> StringIndex {
            guard let value else { return .none }
            if let found = added[value] { return found }
            let index = batch.intern(value)
            added[value] = index
            return index
        }
        let useMap = !identities.isEmpty
        // The decoder's interner already hashed the batch's strings.
        func hash(_ index: StringIndex) -> UInt64 { batch.contentHash(of: index) }
        for position in batch.rows.indices {
            let row = batch.rows[position].attributionFields
            var namespace = row.namespace, serviceAccount = row.serviceAccount, owner = row.resourceNamespace
            var session: Session?
            if namespace.isNone, row.source == .awsKMS, row.principalType == .role, !sessions.isEmpty, !row.session.isNone,
               let candidate = sessions[Self.key(roleHash: hash(row.principal), nameHash: batch.withTextBytes(row.session, ContentHash.of))],
               candidate.role == batch.string(row.principal), candidate.name == batch.text(row.session) {
                session = candidate
            }
            if namespace.isNone {
                if let session {
                    namespace = intern(session.namespace)
                    serviceAccount = intern(session.serviceAccount)
                } else {
                    let key = Int((row.principal.isNone ? row.appID : row.principal).rawValue)
                    if key > 0 && key < principalNamespaces.count {
                        if principalNamespaces[key] == unknown {
                            let principal = batch.string(row.principal)
                            let found = useMap || principal?.hasPrefix("system:serviceaccount:") == true
                                ? identities.namespace(ofPrincipal: principal, appID: batch.string(row.appID)) : nil
                            principalNamespaces[key] = intern(found).rawValue
                        }
                        namespace = StringIndex(rawValue: principalNamespaces[key])
                    }
                }
            }
            if useMap, !row.resource.isNone || !row.objectName.isNone {
                let key = Int((row.resource.isNone ? row.objectName : row.resource).rawValue)
                if key < resourceOwners.count {
                    if resourceOwners[key] == unknown {
                        var found = StringIndex.none
                        if case .namespace(let name) = identities.owner(ofResource: batch.string(row.resource), objectName: batch.string(row.objectName)) {
                            found = intern(name)
                        }
                        resourceOwners[key] = found.rawValue
                    }
                    owner = StringIndex(rawValue: resourceOwners[key])
                }
            }
            if namespace != row.namespace || serviceAccount != row.serviceAccount || owner != row.resourceNamespace {
                batch.rows[position].namespace = namespace
                batch.rows[position].serviceAccount = serviceAccount
                batch.rows[position].resourceNamespace = owner
            }
        }
    }

    private mutating func learn(from row: EventRow, in batch: EventBatch) {
        guard row.outcome == .success, let namespace = batch.string(row.namespace), let name = batch.text(row.newSession),
              let role = Self.roleARN(row, in: batch) else { return }
        let session = Session(role: role, name: name, namespace: namespace, serviceAccount: batch.string(row.serviceAccount), seen: row.time)
        let key = Self.key(role: role, name: name)
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

    private mutating func forgetOldest() {
        let cutoff = sessions.values.map(\.seen).sorted()[sessions.count / 4]
        sessions = sessions.filter { $0.value.seen > cutoff }
    }
}

/// The fields of a row attribution reads, copied without the row's strings (no reference counting).
struct AttributionFields {
    var source: EventSource
    var principalType: PrincipalType?
    var principal, appID, namespace, serviceAccount, resource, objectName, resourceNamespace: StringIndex
    var session: TextSpan
}

extension EventRow {
    var attributionFields: AttributionFields {
        AttributionFields(source: source, principalType: principalType, principal: principal, appID: appID,
                          namespace: namespace, serviceAccount: serviceAccount, resource: resource, objectName: objectName,
                          resourceNamespace: resourceNamespace, session: session)
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
