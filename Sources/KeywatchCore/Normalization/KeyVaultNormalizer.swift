/// Normalizes Azure Key Vault `AuditEvent` records (SPEC §2; formats-notes A).
///
/// - outcome: by `properties.httpStatusCode`, then `resultSignature` — never `resultType`, which
///   says `Success` on 403s. 401 and 403 are `denied`, except the bearer-token challenge (a 401 on
///   `Authentication` with an empty identity), which is `challenge`; other 4xx/5xx are `failed`;
/// - reason: the network, RBAC and access-policy flags, else the `resultDescription` wording;
/// - principal: the `oid` claim (or the long `objectidentifier` claim), else `appid`;
/// - resource: `properties.id` (else `requestUri`) as `https://<vault host>/<collection>/<name>`,
///   host lower case, no version, `deleted*` collections folded into their live names; a vault
///   as `https://<vault host>/`;
/// - key: SHA-256 of the canonical record bytes (the format has no id).
struct KeyVaultNormalizer {
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
    private var interner = StringInterner()

    mutating func normalize(_ record: JSONValue, raw: UnsafeRawBufferPointer, into batch: inout EventBatch) -> Normalized {
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
        guard let timestamp = CloudTrailNormalizer.timestamp(time) else {
            return .rejected("Key Vault time is not a timestamp: \(CloudTrailNormalizer.excerpt(time))")
        }

        let key = canonicalKey.key(of: raw)
        var row = EventRow(
            key: key, keyHash: KeyHash.of(key), source: .azureKeyVault, time: timestamp,
            eventClass: OperationClassifier.keyVault(operation), outcome: .success)
        row.operation = operationName.index(in: &batch, &interner)

        // Properties.
        var status: Int?
        var id: String?, requestURI: String?
        var rbac: Bool?, accessPolicy: Bool?, address: Bool?
        if let properties {
            for (key, value) in properties.members {
                switch propertyFields.match(key) {
                case .clientInfo: row.userAgent = value.index(in: &batch, &interner)
                case .requestUri: requestURI = value.nonEmptyString
                case .id: id = value.nonEmptyString
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
        if let principal = objectID ?? longObjectID ?? appID { row.principal = principal.index(in: &batch, &interner) }
        if let appID { row.appID = appID.index(in: &batch, &interner) }
        if let name = upn ?? uniqueName ?? displayName { row.principalName = name.index(in: &batch, &interner) }
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
        let vault = resourceID?.nonEmptyString.flatMap(Self.vaultName(fromResourceID:))
        if let target = id.flatMap(Self.resource(fromURI:)) ?? requestURI.flatMap(Self.resource(fromURI:)) {
            row.resource = interner.index(of: target.resource, in: &batch)
            row.resourceType = target.type
            row.objectName = interner.index(of: target.name, in: &batch)
            row.scope = interner.index(of: vault ?? target.vault, in: &batch)
        } else if let vault {
            row.resource = interner.index(of: "https://\(vault).vault.azure.net/", in: &batch)
            row.resourceType = .vault
            row.scope = interner.index(of: vault, in: &batch)
        }
        if let tenant {
            row.tenant = tenant.index(in: &batch, &interner)
        } else {
            row.tenant = interner.index(of: resourceID?.nonEmptyString.flatMap(Self.subscription(fromResourceID:)), in: &batch)
        }
        row.ip = callerIP?.index(in: &batch, &interner) ?? .none
        row.requestID = correlationID?.nonEmptyString
        return .event(row)
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

    /// `/SUBSCRIPTIONS/…/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/<NAME>` → `<name>` (lower case).
    static func vaultName(fromResourceID resourceID: String) -> String? {
        let parts = resourceID.split(separator: "/")
        guard parts.count >= 2 else { return nil }
        let kind = parts[parts.count - 2].lowercased()
        guard kind == "vaults" || kind == "managedhsms" else { return nil }
        return parts[parts.count - 1].lowercased()
    }

    static func subscription(fromResourceID resourceID: String) -> String? {
        let parts = resourceID.split(separator: "/")
        guard let index = parts.firstIndex(where: { $0.lowercased() == "subscriptions" }), index + 1 < parts.count else {
            return nil
        }
        return parts[index + 1].lowercased()
    }

    /// The canonical target of a data-plane URI; nil for control-plane (ARM) URIs.
    static func resource(fromURI uri: String) -> (resource: String, type: ResourceType, name: String?, vault: String)? {
        guard let schemeEnd = uri.range(of: "://") else { return nil }
        var rest = uri[schemeEnd.upperBound...]
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<query] }
        let segments = rest.split(separator: "/", omittingEmptySubsequences: true)
        guard let hostPart = segments.first else { return nil }
        let host = hostPart.lowercased()
        // Control-plane (ARM) URIs name the vault by resource id, not by host.
        let isARM = host.hasPrefix("management.") || (segments.count >= 2 && segments[1].lowercased() == "subscriptions")
        guard !isARM else { return nil }
        let vault = String(host.split(separator: ".").first ?? Substring(host))
        let base = "https://\(host)"
        guard segments.count >= 2 else { return ("\(base)/", .vault, nil, vault) }
        let collection = segments[1].lowercased()
        let type: ResourceType
        let canonical: String
        switch collection {
        case "keys", "deletedkeys": type = .key; canonical = "keys"
        case "secrets", "deletedsecrets": type = .secret; canonical = "secrets"
        case "certificates", "deletedcertificates": type = .certificate; canonical = "certificates"
        default: return ("\(base)/", .vault, nil, vault)
        }
        guard segments.count >= 3 else { return ("\(base)/", .vault, nil, vault) }
        let name = String(segments[2])
        return ("\(base)/\(canonical)/\(name)", type, name, vault)
    }
}

extension String {
    func equalsIgnoringCase(_ other: String) -> Bool {
        count == other.count && lowercased() == other.lowercased()
    }
}
