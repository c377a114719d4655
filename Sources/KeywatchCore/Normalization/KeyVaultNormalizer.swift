/// Normalizes Azure Key Vault `AuditEvent` records (docs/events.md).
///
/// - outcome: by `properties.httpStatusCode`, then `resultSignature` — never `resultType`, which
///   says `Success` on 403s. 401 and 403 are `denied`, except the bearer-token challenge (a 401 on
///   `Authentication` with an empty identity), which is `challenge`; other 4xx/5xx are `failed`;
/// - reason: the network, RBAC and access-policy flags, else the `resultDescription` wording;
/// - principal: the `oid` claim (or the long `objectidentifier` claim), else `appid`;
/// - resource: `properties.id` (else `requestUri`) as `https://<vault host>/<collection>/<name>`,
///   host lower case, no version, `deleted*` collections folded into their live names; a vault
///   as `https://<vault host>/`;
/// - tenant: the caller's tenant (`tid` claim), absent without one — never the subscription, which
///   is `account`: a vault's records carry one tenant or none, not two kinds of value;
/// - account: the subscription of `resourceId` as a lower-case GUID, whatever the record's case and
///   whichever claims it carries: the vault's log pipeline, the same for all of its records;
/// - key: SHA-256 of the canonical record bytes (the format has no id).
final class KeyVaultNormalizer {
    private enum Field: String, CaseIterable {
        case time, resourceId, operationName, category, type, resultSignature, resultDescription
        case callerIpAddress, correlationId, identity, properties
    }

    private enum PropertyField: String, CaseIterable {
        case clientInfo, requestUri, id, httpStatusCode, isAccessPolicyMatch, isRbacAuthorized, isAddressAuthorized
    }

    private enum Claim: String, CaseIterable {
        case oid, appid, upn, idtyp, tid, scp
        case uniqueName = "unique_name"
        case objectIdentifier = "http://schemas.microsoft.com/identity/claims/objectidentifier"
        case upnURI = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
        case nameURI = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
        case tenantURI = "http://schemas.microsoft.com/identity/claims/tenantid"
    }

    private let fields = JSONKeyTable<Field>()
    private let propertyFields = JSONKeyTable<PropertyField>()
    private let claims = JSONKeyTable<Claim>()
    private var canonicalKey = CanonicalKey()
    private let interner = StringInterner()
    private var scratch: [UInt8] = []
    /// The last `resourceId` seen and what it names (one blob holds one vault's records).
    private var lastResourceID: [UInt8] = []
    private var lastVault: String?
    private var lastSubscription: String?
    /// The event times kept; records dated outside are rejected.
    var eventTimes = EventTimeBounds.anyTimeSinceEpoch

    func normalize(_ record: JSONValue, raw: UnsafeRawBufferPointer, into batch: inout EventBatch) -> Normalized {
        var time: JSONValue?, resourceID: JSONValue?, operationName: JSONValue?, category: JSONValue?
        var signature: JSONValue?, resultDescription: JSONValue?, callerIP: JSONValue?, correlationID: JSONValue?
        var identity: JSONValue?, properties: JSONValue?
        for (key, value) in record.members {
            switch fields.match(key) {
            case .time: time = value
            case .resourceId: resourceID = value
            case .operationName: operationName = value
            case .category: category = value
            case .type: if category == nil { category = value }
            case .resultSignature: signature = value
            case .resultDescription: resultDescription = value
            case .callerIpAddress: callerIP = value
            case .correlationId: correlationID = value
            case .identity: identity = value
            case .properties: properties = value
            case nil: break
            }
        }
        if let category, category.kind == .string, !category.stringEquals("AuditEvent", caseInsensitive: true),
           !category.stringEquals("AZKVAuditLogs", caseInsensitive: true) {
            return .skipped(.otherCategory)
        }
        guard let operationName, let operation = operationName.nonEmptyString else {
            return .rejected("Key Vault record without an operationName")
        }
        guard let time else { return .rejected("Key Vault record without a time") }
        let timestamp: Timestamp
        switch eventTimes.eventTime(time, field: "Key Vault time") {
        case .success(let read): timestamp = read
        case .failure(let rejection): return .rejected(rejection.reason)
        }

        let key = canonicalKey.appendKey(of: raw, to: &batch)
        var row = EventRow(
            key: key, keyHash: batch.withTextBytes(key, KeyHash.of), source: .azureKeyVault, time: timestamp,
            eventClass: OperationClassifier.keyVault(operation), outcome: .success)
        row.operation = operationName.index(in: &batch, interner)

        // Properties.
        var status: Int?
        var id: JSONValue?, requestURI: JSONValue?
        var rbac: Bool?, accessPolicy: Bool?, address: Bool?
        if let properties {
            for (key, value) in properties.members {
                switch propertyFields.match(key) {
                case .clientInfo: row.userAgent = value.index(in: &batch, interner)
                case .requestUri: requestURI = value.isNonEmptyString ? value : nil
                case .id: id = value.isNonEmptyString ? value : nil
                case .httpStatusCode: status = value.integer
                case .isAccessPolicyMatch: accessPolicy = value.bool
                case .isRbacAuthorized: rbac = value.bool
                case .isAddressAuthorized: address = value.bool
                case nil: break
                }
            }
        }

        // Identity.
        var objectID: JSONValue?, longObjectID: JSONValue?, appID: JSONValue?, upn: JSONValue?, uniqueName: JSONValue?
        var displayName: JSONValue?, tokenType: JSONValue?, tenant: JSONValue?, delegated = false
        if let claim = identity?["claim"] {
            for (key, value) in claim.members where value.nonEmptyString != nil {
                switch claims.match(key) {
                case .oid: objectID = value
                case .objectIdentifier: longObjectID = value
                case .appid: appID = value
                case .upn: upn = value
                case .upnURI: upn = upn ?? value
                case .uniqueName: uniqueName = value
                case .nameURI: displayName = value
                case .idtyp: tokenType = value
                case .tid, .tenantURI: tenant = tenant ?? value
                case .scp: delegated = true
                case nil: break
                }
            }
        }
        if let principal = objectID ?? longObjectID ?? appID { row.principal = principal.index(in: &batch, interner) }
        if let appID { row.appID = appID.index(in: &batch, interner) }
        if let name = upn ?? uniqueName ?? displayName { row.principalName = name.index(in: &batch, interner) }
        if row.principal.isNone && row.principalName.isNone {
            row.principalType = .anonymous
        } else if tokenType?.stringEquals("user") == true || upn != nil || uniqueName != nil || delegated {
            row.principalType = .user
        } else {
            row.principalType = .app
        }

        // Outcome.
        row.status = status
        let code = status ?? signature.flatMap { Self.status(fromReasonPhrase: $0) }
        switch code {
        case .some(200..<400):
            row.outcome = .success
        case .some(401) where operation.equalsIgnoringCase("Authentication") && row.principalType == .anonymous:
            row.outcome = .challenge
        case .some(401), .some(403):
            row.outcome = .denied
            row.reason = DenialReasons.keyVault(
                isAddressAuthorized: address, isRbacAuthorized: rbac, isAccessPolicyMatch: accessPolicy,
                description: resultDescription?.string)
        case .some:
            row.outcome = .failed
        case nil:
            // Neither a status nor a reason phrase: nothing says the call worked.
            row.outcome = .failed
        }

        // Where.
        var vault: String?, subscription: String?
        if let resourceID { (vault, subscription) = names(ofResourceID: resourceID) }
        var resolved = false
        if let id { resolved = setResource(fromURI: id, vault: vault, on: &row, in: &batch) }
        if !resolved, let requestURI { resolved = setResource(fromURI: requestURI, vault: vault, on: &row, in: &batch) }
        if !resolved, let vault {
            row.resource = interner.index(of: "https://\(vault).vault.azure.net/", in: &batch)
            row.resourceType = .vault
        }
        if row.scope.isNone { row.scope = interner.index(of: vault, in: &batch) }
        if let tenant { row.tenant = tenant.index(in: &batch, interner) }
        row.account = interner.index(of: subscription, in: &batch)
        row.ip = callerIP?.index(in: &batch, interner) ?? .none
        if let correlationID, correlationID.isNonEmptyString {
            row.requestID = correlationID.withDecodedBytes { batch.appendText($0) } ?? .none
        }
        batch.rows.append(row)
        return .appended
    }

    // MARK: - Parsing helpers

    static func status(fromReasonPhrase value: JSONValue) -> Int? {
        guard let phrase = value.string?.lowercased() else { return nil }
        switch phrase {
        case "ok": return 200
        case "created": return 201
        case "accepted": return 202
        case "no content": return 204
        case "unauthorized": return 401
        case "forbidden": return 403
        case "not found": return 404
        case "conflict": return 409
        case "too many requests": return 429
        default: return Int(phrase) ?? (phrase.isEmpty ? nil : 400)
        }
    }

    /// The vault (lower case) and subscription named by a `resourceId`
    /// (`/SUBSCRIPTIONS/<id>/…/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/<NAME>`), remembered for the next record.
    private func names(ofResourceID value: JSONValue) -> (vault: String?, subscription: String?) {
        let resolved: (String?, String?)? = value.withDecodedBytes { bytes in
            if bytes.elementsEqual(lastResourceID) { return (lastVault, lastSubscription) }
            let found = Self.names(ofResourceID: bytes)
            lastResourceID = Array(bytes)
            (lastVault, lastSubscription) = found
            return found
        }
        return resolved ?? (nil, nil)
    }

    static func names(ofResourceID bytes: UnsafeRawBufferPointer) -> (vault: String?, subscription: String?) {
        let segments = bytes.split(separator: UInt8(ascii: "/"))
        func lower(_ part: Slice<UnsafeRawBufferPointer>) -> String {
            String(decoding: part.map(\.asciiLowercased), as: UTF8.self)
        }
        var vault: String?
        if segments.count >= 2 {
            let kind = lower(segments[segments.count - 2])
            if kind == "vaults" || kind == "managedhsms" { vault = lower(segments[segments.count - 1]) }
        }
        var subscription: String?
        if let index = segments.firstIndex(where: { lower($0) == "subscriptions" }), index + 1 < segments.count {
            subscription = lower(segments[index + 1])
        }
        return (vault, subscription)
    }

    /// Sets the canonical target of a data-plane URI: `https://<host>/<collection>/<name>` (host lower
    /// case, no version; `deleted*` collections folded into their live names) or the vault
    /// `https://<host>/`. False for control-plane (ARM) URIs, which name the vault by resource id.
    private func setResource(fromURI value: JSONValue, vault: String?, on row: inout EventRow, in batch: inout EventBatch) -> Bool {
        value.withDecodedBytes { bytes -> Bool in
            guard let target = Self.target(ofURI: bytes) else { return false }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: Array("https://".utf8))
            scratch.append(contentsOf: target.host.map(\.asciiLowercased))
            scratch.append(UInt8(ascii: "/"))
            if let collection = target.collection, let name = target.name {
                scratch.append(contentsOf: collection.canonical.utf8)
                scratch.append(UInt8(ascii: "/"))
                scratch.append(contentsOf: name)
                row.resourceType = collection.type
                row.objectName = interner.index(of: UnsafeRawBufferPointer(rebasing: name), in: &batch)
            } else {
                row.resourceType = .vault
            }
            row.resource = scratch.withUnsafeBytes { interner.index(of: $0, in: &batch) }
            if vault == nil {
                let label = target.host.split(separator: UInt8(ascii: "."), maxSplits: 1).first ?? target.host
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: label.map(\.asciiLowercased))
                row.scope = scratch.withUnsafeBytes { interner.index(of: $0, in: &batch) }
            }
            return true
        } ?? false
    }

    private enum Collection {
        case keys, secrets, certificates

        var canonical: String {
            switch self {
            case .keys: return "keys"
            case .secrets: return "secrets"
            case .certificates: return "certificates"
            }
        }

        var type: ResourceType {
            switch self {
            case .keys: return .key
            case .secrets: return .secret
            case .certificates: return .certificate
            }
        }

        init?(_ segment: Slice<UnsafeRawBufferPointer>) {
            switch String(decoding: segment.map(\.asciiLowercased), as: UTF8.self) {
            case "keys", "deletedkeys": self = .keys
            case "secrets", "deletedsecrets": self = .secrets
            case "certificates", "deletedcertificates": self = .certificates
            default: return nil
            }
        }
    }

    /// The host and, for an object, its collection and name, of a data-plane URI; nil for
    /// control-plane (ARM) URIs and anything that is not a URI.
    private static func target(ofURI bytes: UnsafeRawBufferPointer)
        -> (host: Slice<UnsafeRawBufferPointer>, collection: Collection?, name: Slice<UnsafeRawBufferPointer>?)? {
        var schemeEnd: Int?
        if bytes.count >= 3 {
            for index in 0..<(bytes.count - 2)
            where bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: "/") && bytes[index + 2] == UInt8(ascii: "/") {
                schemeEnd = index + 3
                break
            }
        }
        guard let schemeEnd else { return nil }
        var rest = bytes[schemeEnd...]
        if let query = rest.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) { rest = rest[..<query] }
        let segments = rest.split(separator: UInt8(ascii: "/"))
        guard let host = segments.first, !host.isEmpty else { return nil }
        let isARM = host.starts(with: Array("management.".utf8))
            || (segments.count >= 2 && segments[1].map(\.asciiLowercased).elementsEqual(Array("subscriptions".utf8)))
        guard !isARM else { return nil }
        guard segments.count >= 3, let collection = Collection(segments[1]) else { return (host, nil, nil) }
        return (host, collection, segments[2])
    }
}

extension String {
    func equalsIgnoringCase(_ other: String) -> Bool {
        count == other.count && lowercased() == other.lowercased()
    }
}
