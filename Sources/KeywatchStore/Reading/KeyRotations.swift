import KeywatchCore

/// What a successful management event says about a key's, secret's or certificate's versions or
/// rotation: the evidence `keywatch keys` measures rotation cadence from.
public enum KeyLifecycleEffect: String, Sendable, CaseIterable {
    /// A new version: created, rotated, imported, or a secret set anew.
    case newVersion = "new-version"
    /// KMS automatic rotation turned on (`EnableKeyRotation`).
    case rotationEnabled = "rotation-enabled"
    /// KMS automatic rotation turned off (`DisableKeyRotation`).
    case rotationDisabled = "rotation-disabled"
    /// A Key Vault rotation policy set (`KeyRotationPolicySet`); what it says is not in the log.
    case rotationConfigured = "rotation-configured"
    /// Deleted, purged, or scheduled for deletion.
    case deleted
    /// Recovered, restored from a backup, or its deletion cancelled.
    case restored
}

/// One successful event of a key's, secret's or certificate's lifecycle.
public struct KeyLifecycleEvent: Sendable, Equatable {
    public var time: Timestamp
    /// The operation as the log writes it (`KeyRotate`, `RotateKey`).
    public var operation: String
    public var effect: KeyLifecycleEffect
    /// The service rotated the key by itself, on its schedule: Key Vault's `KeyRotateIfDue`, or a
    /// KMS `RotateKey` service event that no `RotateKeyOnDemand` call of the hour before explains
    /// (KMS logs both for an on-demand rotation).
    public var automatic: Bool
}

/// Every lifecycle event of one resource over all stored time, oldest first.
public struct KeyHistory: Sendable, Equatable {
    public var identity: KeyIdentity
    public var events: [KeyLifecycleEvent]
}

/// The operations whose successful events are lifecycle evidence, per cloud. The names are
/// distinct across the clouds, and each is checked against its event's source as well, so a
/// record of one cloud naming the other's operation is no evidence.
enum KeyLifecycleOperations {
    static let keyVault: [String: KeyLifecycleEffect] = {
        var table: [String: KeyLifecycleEffect] = [:]
        for op in ["KeyCreate", "KeyImport", "KeyRotate", "KeyRotateIfDue", "SecretSet", "CertificateCreate", "CertificateImport"] {
            table[op] = .newVersion
        }
        table["KeyRotationPolicySet"] = .rotationConfigured
        for op in ["KeyDelete", "SecretDelete", "CertificateDelete", "KeyPurge", "SecretPurge", "CertificatePurge"] { table[op] = .deleted }
        for op in ["KeyRecover", "SecretRecover", "CertificateRecover", "KeyRestore", "SecretRestore", "CertificateRestore"] {
            table[op] = .restored
        }
        return table
    }()

    static let kms: [String: KeyLifecycleEffect] = [
        "CreateKey": .newVersion, "RotateKey": .newVersion, "RotateKeyOnDemand": .newVersion,
        "EnableKeyRotation": .rotationEnabled, "DisableKeyRotation": .rotationDisabled,
        "ScheduleKeyDeletion": .deleted, "DeleteKey": .deleted, "CancelKeyDeletion": .restored,
    ]

    /// AWS's own events among them: classed `service` whoever the record names.
    static let kmsServiceEvents: Set<String> = ["RotateKey", "DeleteKey"]

    static func effect(of operation: String, source: EventSource) -> KeyLifecycleEffect? {
        switch source {
        case .azureKeyVault: return keyVault[operation]
        case .awsKMS: return kms[operation]
        case .awsSTS, .awsEKSAuth: return nil
        }
    }

    /// The class codes of every operation above: all above 2, so one partial index
    /// (`event_rows_by_rare_class`) holds every event of theirs, whatever the store's size.
    static var classCodes: [Int64] {
        let classes = keyVault.keys.map(OperationClassifier.keyVault)
            + kms.keys.map { OperationClassifier.aws($0, serviceEvent: kmsServiceEvents.contains($0)) }
        return Set(classes.map(\.code)).sorted()
    }
}

extension EventReader {
    /// The lifecycle of every key, secret and certificate over all stored time — new versions,
    /// rotation turned on or off or configured, deletions and recoveries — from successful
    /// events only; in no particular order. KMS aliases are left out: their events name no key.
    ///
    /// Reads only the rare-class index's rows of the classes these operations fall in (writes,
    /// deletions, configuration, service events), never the data plane, so a look back over
    /// years costs what the store's few management events cost.
    public func keyHistories() throws -> [KeyHistory] {
        let names = Array(KeyLifecycleOperations.keyVault.keys) + Array(KeyLifecycleOperations.kms.keys)
        var operations: [Int64: String] = [:]
        let lookup = try connection.prepare(
            "SELECT id, value FROM strings WHERE value IN (\(names.indices.map { "?\($0 + 1)" }.joined(separator: ", ")))")
        try lookup.bind(names.map { .text($0) })
        while try lookup.step() { operations[lookup.int64(0)] = lookup.text(1) ?? "" }
        guard !operations.isEmpty else { return [] }
        let statement = try connection.prepare(Self.keyHistoriesSQL(operations: operations.keys.sorted()))
        let strings = try TextLookup(table: "strings", column: "value", in: connection)
        var histories: [Int64: KeyHistory] = [:]
        while try statement.step() {
            guard let source = EventCodes.value(statement.int64(2), as: EventSource.self),
                  let type = EventCodes.value(statement.int64(4), as: ResourceType.self),
                  type == .key || type == .secret || type == .certificate,
                  let operation = operations[statement.int64(1)],
                  let effect = KeyLifecycleOperations.effect(of: operation, source: source)
            else { continue }
            let event = KeyLifecycleEvent(time: Timestamp(microseconds: statement.int64(0)), operation: operation, effect: effect,
                                          automatic: operation == "KeyRotateIfDue" || operation == "RotateKey")
            let resource = statement.int64(3)
            if histories[resource] == nil {
                let identity = KeyIdentity(
                    resource: try strings.text(id: resource), resourceType: type, source: source,
                    objectName: try strings.text(statement, 5), scope: try strings.text(statement, 6),
                    account: try strings.text(statement, 7), region: try strings.text(statement, 8))
                histories[resource] = KeyHistory(identity: identity, events: [])
            }
            histories[resource]?.events.append(event)
        }
        return histories.values.map { history in
            var history = history
            // At one time, a call before the service event it caused (RotateKeyOnDemand before RotateKey).
            history.events.sort { ($0.time, Self.causes($0.operation), $0.operation) < ($1.time, Self.causes($1.operation), $1.operation) }
            Self.markOnDemandRotations(&history.events)
            return history
        }
    }

    /// 0 for a call that makes the service log an event of its own, which sorts it first among
    /// events of one time; 1 for the rest.
    private static func causes(_ operation: String) -> Int { operation == "RotateKeyOnDemand" ? 0 : 1 }

    /// The successful lifecycle events of the operations of these string ids. `class > 2` is the
    /// partial index's own condition, written out so SQLite may use the index.
    static func keyHistoriesSQL(operations: [Int64]) -> String {
        let classes = KeyLifecycleOperations.classCodes.map(String.init).joined(separator: ", ")
        return """
            SELECT time, operation, source, resource, resource_type, object_name, scope, account, region
            FROM event_rows
            WHERE class > 2 AND class IN (\(classes)) AND outcome = \(Outcome.success.code)
              AND operation IN (\(operations.map(String.init).joined(separator: ", ")))
              AND resource IS NOT NULL
            """
    }

    /// A KMS `RotateKey` event within an hour after a `RotateKeyOnDemand` call is that call's
    /// rotation, not an automatic one. Told by the calls, which the rows hold, rather than by the
    /// record's `serviceEventDetails.rotationType`, which only its compressed original holds: a
    /// store of a year of many keys has tens of thousands of `RotateKey` records to unpack.
    static func markOnDemandRotations(_ events: inout [KeyLifecycleEvent]) {
        var lastOnDemand: Timestamp?
        for index in events.indices {
            if events[index].operation == "RotateKeyOnDemand" { lastOnDemand = events[index].time }
            if events[index].operation == "RotateKey", let call = lastOnDemand,
               events[index].time.microseconds - call.microseconds < EventDuration.hours(1).microseconds {
                events[index].automatic = false
            }
        }
    }
}
