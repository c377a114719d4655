import KeywatchCore

/// Whether a resource rotates by itself, as far as its logs say.
public enum RotationSetting: String, Sendable {
    /// KMS `EnableKeyRotation`, or the service seen rotating it on its schedule (`RotateKey`
    /// automatic, Key Vault `KeyRotateIfDue`).
    case yes
    /// KMS `DisableKeyRotation`, the latest word on it.
    case no
    /// A Key Vault rotation policy was set; whether it rotates is inside the policy, not the log.
    case configured
    /// The logs say nothing.
    case unknown
}

/// Where a resource stands against its rotation policy, in the order an inventory lists them.
public enum KeyStatus: String, Sendable, Comparable {
    /// Older than its policy allows: no new version for longer than `--rotation`.
    case overdue
    /// Automatic rotation turned off.
    case rotationOff = "rotation-off"
    case ok
    /// Deleted (or scheduled for deletion) after its last version: nothing to rotate.
    case deleted

    private var rank: Int {
        switch self {
        case .overdue: return 0
        case .rotationOff: return 1
        case .ok: return 2
        case .deleted: return 3
        }
    }

    public static func < (lhs: KeyStatus, rhs: KeyStatus) -> Bool { lhs.rank < rhs.rank }
}

/// A caller that used a resource in the data plane (crypto and reads) in the span.
public struct KeyUser: Sendable, Equatable {
    public var principal: String
    /// The principal's name when events gave one, else the principal.
    public var label: String
    public var namespace: String?
    public var serviceAccount: String?
    public var uses: Int
    public var lastUse: Timestamp
}

/// One key, secret or certificate of `keywatch keys`: who uses it, its versions and rotation,
/// and whether it is overdue against its rotation policy.
public struct KeyInventoryEntry: Sendable {
    public var identity: KeyIdentity
    /// Data-plane callers in the span, most uses first.
    public var users: [KeyUser]
    /// Successful data-plane events in the span, and the newest one's time.
    public var uses: Int
    public var lastUse: Timestamp?
    /// The earliest time keywatch saw it: a lifecycle event, or a successful event in the span.
    public var firstSeen: Timestamp
    /// Every new version seen over all stored time, oldest first; one rotation logged twice within
    /// ``KeyInventory/sameVersion`` (KMS's `RotateKeyOnDemand` call and its `RotateKey` event) once.
    public var versions: [KeyLifecycleEvent]
    public var rotation: RotationSetting
    /// When the logs last said ``rotation``, and by which operation.
    public var rotationSaid: KeyLifecycleEvent?
    /// The deletion that ended it, when nothing restored it after.
    public var deleted: KeyLifecycleEvent?
    /// The policy it is measured against: `--rotation`, or a `--rotation-for` that matched it.
    public var policy: EventDuration
    /// Time since its last version; with none seen, time since the store's oldest event — a
    /// lower bound (``ageIsLowerBound``), since a version made while the logs were kept would show.
    public var age: EventDuration
    public var ageIsLowerBound: Bool
    public var status: KeyStatus

    public var lastVersion: KeyLifecycleEvent? { versions.last }
    /// New versions after the first one seen.
    public var rotations: Int { max(0, versions.count - 1) }
    /// The intervals between consecutive versions: the rotation cadence.
    public var intervals: [EventDuration] {
        zip(versions, versions.dropFirst()).map { EventDuration(microseconds: $1.time.microseconds - $0.time.microseconds) }
    }
    public var cadenceMean: EventDuration? {
        let intervals = intervals
        guard !intervals.isEmpty else { return nil }
        return EventDuration(microseconds: intervals.reduce(0) { $0 + $1.microseconds } / Int64(intervals.count))
    }
    public var cadenceLongest: EventDuration? { intervals.max() }
    public var overdue: Bool { status == .overdue }
}

/// A rotation policy for the resources a pattern matches (`--rotation-for 'etcd-*=90d'`).
public struct RotationPolicy: Sendable {
    /// Matched against the resource and its object name.
    public var pattern: Glob
    public var maximumAge: EventDuration

    public init(pattern: Glob, maximumAge: EventDuration) {
        self.pattern = pattern
        self.maximumAge = maximumAge
    }
}

/// The inventory of keys, secrets and certificates: their use in a span from
/// ``EventReader/keyUse(since:)``, their lifecycle over all time from ``EventReader/keyHistories()``.
public enum KeyInventory {
    /// Two new versions this close are one rotation logged twice.
    public static let sameVersion = EventDuration.hours(1)

    /// Every key, secret and certificate with a successful event in `use` or a lifecycle event
    /// in `histories`, judged at `now` against `policies` (first match wins) or `rotation`;
    /// the ones that stand out first (``KeyStatus``), then the oldest.
    public static func entries(
        use: [KeyUse], histories: [KeyHistory], now: Timestamp, oldestEvent: Timestamp?,
        rotation: EventDuration, policies: [RotationPolicy] = []
    ) -> [KeyInventoryEntry] {
        let used = Dictionary(grouping: use, by: \.identity.resource)
        let lifecycles = Dictionary(histories.map { ($0.identity.resource, $0) }, uniquingKeysWith: { first, _ in first })
        let resources = Set(used.keys).union(lifecycles.keys)
        let entries = resources.map { resource -> KeyInventoryEntry in
            entry(resource: resource, rows: used[resource] ?? [], history: lifecycles[resource], now: now,
                  oldestEvent: oldestEvent, rotation: rotation, policies: policies)
        }
        return entries.sorted {
            ($0.status, -$0.age.microseconds, $0.identity.resource) < ($1.status, -$1.age.microseconds, $1.identity.resource)
        }
    }

    private static func entry(
        resource: String, rows: [KeyUse], history: KeyHistory?, now: Timestamp, oldestEvent: Timestamp?,
        rotation: EventDuration, policies: [RotationPolicy]
    ) -> KeyInventoryEntry {
        let newest = rows.max { $0.last < $1.last }
        let events = history?.events ?? []
        let identity = history?.identity ?? newest?.identity
            ?? KeyIdentity(resource: resource, resourceType: .key, source: .azureKeyVault)
        let policy = policies.first { $0.matches(resource: resource, name: identity.objectName) }?.maximumAge ?? rotation
        let dataPlane = rows.filter(\.dataPlane)
        var byUser: [String: KeyUser] = [:]
        for row in dataPlane {
            guard let principal = row.principal else { continue }
            // A caller is its principal: the workloads a role serves are the same grant.
            var user = byUser[principal] ?? KeyUser(principal: principal, label: row.principalLabel, namespace: row.namespace,
                                                    serviceAccount: row.serviceAccount, uses: 0, lastUse: row.last)
            user.uses += row.count
            if row.last >= user.lastUse {
                user.lastUse = row.last
                user.label = row.principalLabel
                user.namespace = row.namespace ?? user.namespace
                user.serviceAccount = row.serviceAccount ?? user.serviceAccount
            }
            byUser[principal] = user
        }
        var versions: [KeyLifecycleEvent] = []
        var setting = RotationSetting.unknown
        var rotationSaid: KeyLifecycleEvent?
        var deleted: KeyLifecycleEvent?
        for event in events {
            switch event.effect {
            case .newVersion:
                // The same rotation told twice (a call and the service's event) is kept as first told.
                if versions.last.map({ event.time.microseconds - $0.time.microseconds >= sameVersion.microseconds }) ?? true {
                    versions.append(event)
                }
                if event.automatic {
                    setting = .yes
                    rotationSaid = event
                }
                deleted = nil
            case .rotationEnabled: (setting, rotationSaid) = (.yes, event)
            case .rotationDisabled: (setting, rotationSaid) = (.no, event)
            case .rotationConfigured: (setting, rotationSaid) = (.configured, event)
            case .deleted: deleted = event
            case .restored: deleted = nil
            }
        }
        let firstSeen = min(events.first?.time ?? .init(microseconds: .max), rows.map(\.first).min() ?? .init(microseconds: .max))
        let since = versions.last?.time ?? min(oldestEvent ?? firstSeen, firstSeen)
        let age = EventDuration(microseconds: max(0, now.microseconds - since.microseconds))
        let status: KeyStatus
        if deleted != nil {
            status = .deleted
        } else if age > policy {
            status = .overdue
        } else if setting == .no {
            status = .rotationOff
        } else {
            status = .ok
        }
        return KeyInventoryEntry(
            identity: identity,
            users: byUser.values.sorted { ($0.uses, $1.label) > ($1.uses, $0.label) },
            uses: dataPlane.reduce(0) { $0 + $1.count }, lastUse: dataPlane.map(\.last).max(), firstSeen: firstSeen,
            versions: versions, rotation: setting, rotationSaid: rotationSaid, deleted: deleted, policy: policy,
            age: age, ageIsLowerBound: versions.isEmpty, status: status)
    }
}

extension RotationPolicy {
    func matches(resource: String, name: String?) -> Bool {
        pattern.matches(resource) || name.map(pattern.matches) == true
    }
}
