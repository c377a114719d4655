/// Normalizes AWS CloudTrail records of KMS, STS and EKS Auth (docs/events.md).
///
/// - outcome: `errorCode` `AccessDenied`, `AccessDeniedException` or containing `Unauthorized` is
///   `denied`, any other `errorCode` is `failed`;
/// - principal: `sessionContext.sessionIssuer.arn`, else `arn` (an assumed-role session ARN becomes
///   its role's ARN), else a web-identity, SAML or assumed-role `userName`, else `invokedBy`, else
///   `accountId`;
/// - session: the caller's role session name (after the last `:` of `principalId`), on every event;
/// - new session: the session an `AssumeRole*` call creates (`roleSessionName`) or an EKS Auth call
///   returns (`assumedRoleUser`), which the later calls made with it carry as their session;
/// - resource: the key or alias ARN from `resources`, else `requestParameters.keyId` as given;
/// - tenant and account: the account whose trail delivered the record (`recipientAccountId`), else
///   the caller's account — KMS, STS and EKS Auth calls of one account are one pipeline;
/// - namespace / service account: the `system:serviceaccount:<ns>:<sa>` subject of an IRSA
///   `AssumeRoleWithWebIdentity`, the Pod Identity subject or session tags.
final class CloudTrailNormalizer {
    private enum Field: String, CaseIterable {
        case eventTime, eventSource, eventName, awsRegion, sourceIPAddress, userAgent, errorCode, errorMessage
        case requestParameters, responseElements, requestID, eventID, eventType, recipientAccountId, resources
        case userIdentity
    }

    private enum IdentityField: String, CaseIterable {
        case type, principalId, arn, accountId, userName, invokedBy, sessionContext
    }

    private let fields = JSONKeyTable<Field>()
    private let identityFields = JSONKeyTable<IdentityField>()
    private var canonicalKey = CanonicalKey()
    private let interner = StringInterner()
    private var scratch: [UInt8] = []
    /// Each operation's class, by the operation's string index.
    private var classes = BatchStringMemo<EventClass>()
    /// A key or alias's scope and object name, by the resource's string index.
    private var resourceFacts = BatchStringMemo<ResourceFacts>()
    /// The event times kept; records dated outside are rejected.
    var eventTimes = EventTimeBounds.anyTimeSinceEpoch

    private struct ResourceFacts {
        var type: ResourceType
        var scope: StringIndex
        var objectName: StringIndex
    }

    func normalize(_ record: JSONValue, raw: UnsafeRawBufferPointer, into batch: inout EventBatch) -> Normalized {
        var eventTime: JSONValue?, eventSource: JSONValue?, eventName: JSONValue?, region: JSONValue?
        var sourceIP: JSONValue?, userAgent: JSONValue?, errorCode: JSONValue?, errorMessage: JSONValue?
        var parameters: JSONValue?, response: JSONValue?, requestID: JSONValue?, eventID: JSONValue?
        var eventType: JSONValue?, recipient: JSONValue?, resources: JSONValue?, identity: JSONValue?
        for (key, value) in record.members {
            switch fields.match(key) {
            case .eventTime: eventTime = value
            case .eventSource: eventSource = value
            case .eventName: eventName = value
            case .awsRegion: region = value
            case .sourceIPAddress: sourceIP = value
            case .userAgent: userAgent = value
            case .errorCode: errorCode = value
            case .errorMessage: errorMessage = value
            case .requestParameters: parameters = value
            case .responseElements: response = value
            case .requestID: requestID = value
            case .eventID: eventID = value
            case .eventType: eventType = value
            case .recipientAccountId: recipient = value
            case .resources: resources = value
            case .userIdentity: identity = value
            case nil: break
            }
        }

        let source: EventSource
        guard let eventSource, eventSource.kind == .string else { return .rejected("CloudTrail record without an eventSource") }
        if eventSource.stringEquals("kms.amazonaws.com") {
            source = .awsKMS
        } else if eventSource.stringEquals("sts.amazonaws.com") {
            source = .awsSTS
        } else if eventSource.stringEquals("eks-auth.amazonaws.com") {
            source = .awsEKSAuth
        } else {
            return .skipped(.otherEventSource)
        }
        guard let eventName, eventName.kind == .string, eventName.rawBytes.count > 0 else {
            return .rejected("CloudTrail record without an eventName")
        }
        if source == .awsSTS, !eventName.stringEquals("AssumeRoleWithWebIdentity"), !eventName.stringEquals("AssumeRole") {
            return .skipped(.otherSTSEvent)
        }
        guard let eventTime else { return .rejected("CloudTrail record without an eventTime") }
        let time: Timestamp
        switch eventTimes.eventTime(eventTime, field: "CloudTrail eventTime") {
        case .success(let read): time = read
        case .failure(let rejection): return .rejected(rejection.reason)
        }

        let caller = identity.map(readIdentity) ?? Caller()
        let serviceEvent = eventType?.stringEquals("AwsServiceEvent") == true
            || (!caller.hasType && caller.invokedBy?.stringEquals("AWS Internal") == true)
        let operation = eventName.index(in: &batch, interner)
        let operationName = batch.string(operation) ?? ""

        var key = TextSpan.none
        var keyHash: Int64 = 0
        if let eventID, eventID.isNonEmptyString {
            eventID.withDecodedBytes { bytes in
                key = batch.appendText(bytes)
                keyHash = KeyHash.of(bytes)
            }
        } else {
            key = canonicalKey.appendKey(of: raw, to: &batch)
            keyHash = batch.withTextBytes(key, KeyHash.of)
        }
        var row = EventRow(
            key: key, keyHash: keyHash, source: source, time: time,
            eventClass: serviceEvent ? .service : classOf(operation, in: batch), outcome: .success)
        row.operation = operation

        if let errorCode, errorCode.kind == .string, errorCode.rawBytes.count > 0 {
            row.errorCode = errorCode.index(in: &batch, interner)
            let code = batch.string(row.errorCode) ?? ""
            if code == "AccessDenied" || code == "AccessDeniedException" || code.containsBytes("Unauthorized") {
                row.outcome = .denied
                row.reason = DenialReasons.aws(errorMessage: errorMessage?.string)
            } else {
                row.outcome = .failed
            }
        }

        applyPrincipal(caller, serviceEvent: serviceEvent, to: &row, in: &batch)
        row.tenant = recipient?.index(in: &batch, interner) ?? .none
        if row.tenant.isNone, let account = caller.accountID { row.tenant = account.index(in: &batch, interner) }
        row.account = row.tenant
        row.region = region?.index(in: &batch, interner) ?? .none
        row.ip = sourceIP?.index(in: &batch, interner) ?? .none
        row.userAgent = userAgent?.index(in: &batch, interner) ?? .none
        if let requestID, requestID.isNonEmptyString {
            row.requestID = requestID.withDecodedBytes { batch.appendText($0) } ?? .none
        }
        applyResource(operation: operationName, resources: resources, parameters: parameters, to: &row, in: &batch)
        if row.scope.isNone, let account = batch.string(row.tenant) {
            row.scope = interner.index(of: batch.string(row.region).map { "\(account)/\($0)" } ?? account, in: &batch)
        }
        if source != .awsKMS {
            applyWorkloadSession(source: source, caller: caller, parameters: parameters, response: response, to: &row, in: &batch)
        }
        batch.rows.append(row)
        return .appended
    }

    /// The class of the operation at `index`, classified once per batch.
    private func classOf(_ index: StringIndex, in batch: EventBatch) -> EventClass {
        if let known = classes.value(at: index, batchID: batch.stringTableID) { return known }
        let eventClass = OperationClassifier.aws(batch.string(index) ?? "", serviceEvent: false)
        classes.store(eventClass, at: index)
        return eventClass
    }

    // MARK: - Identity

    /// The caller's `userIdentity`, as references into the record: strings are made only for
    /// what the event keeps.
    private struct Caller {
        var type: JSONValue?
        var principalID: JSONValue?
        var arn: JSONValue?
        var accountID: JSONValue?
        var userName: JSONValue?
        var invokedBy: JSONValue?
        var issuerARN: JSONValue?
        var issuerName: JSONValue?

        func typeIs(_ name: StaticString) -> Bool { type?.stringEquals(name) == true }
        var hasType: Bool { type?.isNonEmptyString == true }
    }

    private func readIdentity(_ identity: JSONValue) -> Caller {
        var caller = Caller()
        for (key, value) in identity.members {
            switch identityFields.match(key) {
            case .type: caller.type = value
            case .principalId: caller.principalID = value
            case .arn: caller.arn = value
            case .accountId: caller.accountID = value
            case .userName: caller.userName = value
            case .invokedBy: caller.invokedBy = value
            case .sessionContext:
                let issuer = value["sessionIssuer"]
                caller.issuerARN = issuer?["arn"]
                caller.issuerName = issuer?["userName"]
            case nil: break
            }
        }
        return caller
    }

    private func applyPrincipal(_ caller: Caller, serviceEvent: Bool, to row: inout EventRow, in batch: inout EventBatch) {
        if let issuer = caller.issuerARN?.index(in: &batch, interner), !issuer.isNone {
            row.principal = issuer
            row.principalType = .role
            row.principalName = caller.issuerName?.index(in: &batch, interner) ?? .none
            if row.principalName.isNone {
                row.principalName = interner.index(of: batch.string(issuer)?.suffix(afterLast: UInt8(ascii: "/")).map(String.init), in: &batch)
            }
        } else if let arnIndex = caller.arn?.index(in: &batch, interner), let arn = batch.string(arnIndex) {
            if let role = Self.roleARN(fromAssumedRole: arn) {
                row.principal = interner.index(of: role.arn, in: &batch)
                row.principalType = .role
                row.principalName = interner.index(of: role.name, in: &batch)
            } else {
                row.principal = arnIndex
                row.principalType = Self.principalType(caller.type?.string, arn: arn)
                row.principalName = caller.userName?.index(in: &batch, interner) ?? .none
                if row.principalName.isNone {
                    let name = row.principalType == .root ? "root" : arn.suffix(afterLast: UInt8(ascii: "/")).map(String.init)
                    row.principalName = interner.index(of: name, in: &batch)
                }
            }
        } else if let name = caller.userName, name.isNonEmptyString,
                  let type = caller.typeIs("WebIdentityUser") ? PrincipalType.app
                      : caller.typeIs("SAMLUser") ? .user : caller.typeIs("AssumedRole") ? .role : nil {
            // An assumed role named by `userName` alone (no ARN, no session) is still that role.
            row.principal = name.index(in: &batch, interner)
            row.principalType = type
            row.principalName = row.principal
        } else if let service = caller.invokedBy, service.isNonEmptyString {
            row.principal = service.index(in: &batch, interner)
            row.principalType = .service
            row.principalName = row.principal
        } else if let account = caller.accountID, account.isNonEmptyString {
            row.principal = account.index(in: &batch, interner)
            row.principalType = serviceEvent ? .service : .account
        } else {
            row.principalType = caller.hasType ? .unknown : .anonymous
        }
        if row.principalType == .role || caller.typeIs("FederatedUser"), let id = caller.principalID {
            let session = id.withDecodedBytes { bytes in
                bytes.suffix(afterLast: UInt8(ascii: ":")).map { batch.appendText($0) }
            }
            row.session = (session ?? nil) ?? .none
        }
    }

    /// `arn:aws:sts::<acct>:assumed-role/<role>/<session>` → `arn:aws:iam::<acct>:role/<role>`.
    static func roleARN(fromAssumedRole arn: String) -> (arn: String, name: String)? {
        guard arn.hasPrefix("arn:"), let marker = arn.byteOffset(of: ":assumed-role/") else { return nil }
        let utf8 = arn.utf8
        let head = String(Substring(utf8[..<utf8.index(utf8.startIndex, offsetBy: marker)]))  // arn:<partition>:sts::<acct>
        let rest = String(Substring(utf8[utf8.index(utf8.startIndex, offsetBy: marker + 14)...]))
        let role = String(rest.fields(separatedBy: UInt8(ascii: "/"), maxSplits: 1)[0])
        let parts = head.fields(separatedBy: UInt8(ascii: ":"))
        guard parts.count == 5, !role.isEmpty else { return nil }
        return ("arn:\(parts[1]):iam::\(parts[4]):role/\(role)", role)
    }

    private static func principalType(_ type: String?, arn: String) -> PrincipalType {
        switch type {
        case "Root": return .root
        case "IAMUser", "FederatedUser", "IdentityCenterUser", "SAMLUser", "Directory": return .user
        case "AssumedRole", "Role": return .role
        case "AWSService": return .service
        case "AWSAccount": return .account
        case "WebIdentityUser": return .app
        default: return arn.hasSuffix(":root") ? .root : .unknown
        }
    }

    // MARK: - Resource

    private func applyResource(
        operation: String, resources: JSONValue?, parameters: JSONValue?, to row: inout EventRow, in batch: inout EventBatch
    ) {
        var keyARN: JSONValue?
        var aliasARN: JSONValue?
        var otherARN: JSONValue?
        if let resources {
            for resource in resources.elements {
                guard let arn = resource["ARN"] ?? resource["arn"], arn.isNonEmptyString else { continue }
                let kind = arn.withDecodedBytes(Self.arnResourceKind)
                switch kind {
                case 1: if aliasARN == nil { aliasARN = arn }
                case 2: if keyARN == nil { keyARN = arn }
                default: if otherARN == nil { otherARN = arn }
                }
            }
        }
        let aliasOperation = operation == "CreateAlias" || operation == "UpdateAlias" || operation == "DeleteAlias"
        let parameter = (parameters?["keyId"] ?? parameters?["targetKeyId"]).flatMap { $0.isNonEmptyString ? $0 : nil }
        if aliasOperation, let alias = aliasARN ?? parameters?["aliasName"].flatMap({ $0.isNonEmptyString ? $0 : nil }) {
            setAWSResource(alias, type: .alias, on: &row, in: &batch)
        } else if let key = keyARN {
            setAWSResource(key, type: .key, on: &row, in: &batch)
        } else if let given = parameter {
            let isAlias = given.withDecodedBytes { Self.contains($0, Self.aliasPrefix) } == true
            setAWSResource(given, type: isAlias ? .alias : .key, on: &row, in: &batch)
        } else if let alias = aliasARN {
            setAWSResource(alias, type: .alias, on: &row, in: &batch)
        } else if let role = parameters?["roleArn"] ?? otherARN {
            row.resource = role.index(in: &batch, interner)
            row.resourceType = .none
        }
    }

    private static let aliasPrefix: StaticString = "alias/"

    /// 1 for `arn:…:alias/…`, 2 for `arn:…:key/…`, 0 otherwise: the resource part follows the fifth colon.
    private static func arnResourceKind(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let index = bytes.offset(after: 5, of: UInt8(ascii: ":")) else { return 0 }
        let rest = bytes.count - index
        if rest > 6, bytes[index] == UInt8(ascii: "a"), bytes[index + 1] == UInt8(ascii: "l"), bytes[index + 2] == UInt8(ascii: "i"),
           bytes[index + 3] == UInt8(ascii: "a"), bytes[index + 4] == UInt8(ascii: "s"), bytes[index + 5] == UInt8(ascii: "/") {
            return 1
        }
        if rest > 4, bytes[index] == UInt8(ascii: "k"), bytes[index + 1] == UInt8(ascii: "e"), bytes[index + 2] == UInt8(ascii: "y"),
           bytes[index + 3] == UInt8(ascii: "/") {
            return 2
        }
        return 0
    }

    private static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        let pattern = needle.utf8Start
        guard bytes.count >= count else { return false }
        for start in 0...(bytes.count - count) where bytes[start] == pattern[0] {
            var k = 1
            while k < count && bytes[start + k] == pattern[k] { k += 1 }
            if k == count { return true }
        }
        return false
    }

    /// Sets the resource from a key or alias ARN (or a bare key id / alias name), with its
    /// scope (`<account>/<region>`) and object name (key id or `alias/<name>`).
    private func setAWSResource(_ value: JSONValue, type: ResourceType, on row: inout EventRow, in batch: inout EventBatch) {
        row.resource = value.index(in: &batch, interner)
        row.resourceType = type
        if let known = resourceFacts.value(at: row.resource, batchID: batch.stringTableID), known.type == type {
            row.scope = known.scope
            row.objectName = known.objectName
            return
        }
        value.withDecodedBytes { setScopeAndName(from: $0, type: type, on: &row, in: &batch) }
        resourceFacts.store(ResourceFacts(type: type, scope: row.scope, objectName: row.objectName), at: row.resource)
    }

    private func setScopeAndName(
        from bytes: UnsafeRawBufferPointer, type: ResourceType, on row: inout EventRow, in batch: inout EventBatch
    ) {
        // arn:<partition>:kms:<region>:<account>:key/<id> or …:alias/<name>
        var colons = (0, 0, 0, 0, 0)
        var found = 0
        if bytes.count > 4 && bytes[0] == UInt8(ascii: "a") && bytes[1] == UInt8(ascii: "r") && bytes[2] == UInt8(ascii: "n")
            && bytes[3] == UInt8(ascii: ":") {
            for index in 3..<bytes.count where bytes[index] == UInt8(ascii: ":") {
                switch found {
                case 0: colons.0 = index
                case 1: colons.1 = index
                case 2: colons.2 = index
                case 3: colons.3 = index
                default: colons.4 = index
                }
                found += 1
                if found == 5 { break }
            }
        }
        guard found == 5 else {
            row.objectName = row.resource
            return
        }
        let region = UnsafeRawBufferPointer(rebasing: bytes[(colons.2 + 1)..<colons.3])
        let account = UnsafeRawBufferPointer(rebasing: bytes[(colons.3 + 1)..<colons.4])
        var name = UnsafeRawBufferPointer(rebasing: bytes[(colons.4 + 1)...])
        if type == .key, name.count > 4, name[0] == UInt8(ascii: "k"), name[1] == UInt8(ascii: "e"), name[2] == UInt8(ascii: "y"),
           name[3] == UInt8(ascii: "/") {
            name = UnsafeRawBufferPointer(rebasing: name[4...])
        }
        if !account.isEmpty {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: account)
            if !region.isEmpty {
                scratch.append(UInt8(ascii: "/"))
                scratch.append(contentsOf: region)
            }
            row.scope = scratch.withUnsafeBytes { interner.index(of: $0, in: &batch) }
        }
        row.objectName = interner.index(of: name, in: &batch)
    }

    // MARK: - Kubernetes workload sessions

    /// STS and EKS Auth events create a role session (``EventRow/newSession``; the caller's own
    /// stays in ``EventRow/session``) and name the Kubernetes service account it is for.
    private func applyWorkloadSession(
        source: EventSource, caller: Caller, parameters: JSONValue?, response: JSONValue?,
        to row: inout EventRow, in batch: inout EventBatch
    ) {
        if let session = parameters?["roleSessionName"], session.isNonEmptyString {
            row.newSession = session.withDecodedBytes { batch.appendText($0) } ?? .none
        }
        var namespace: String?
        var serviceAccount: String?
        if let subject = caller.typeIs("WebIdentityUser") ? caller.userName?.string : nil,
           let account = subject.kubernetesServiceAccount {
            (namespace, serviceAccount) = (account.namespace, account.name)
        } else if let subject = response?.string("subjectFromWebIdentityToken"), let account = subject.kubernetesServiceAccount {
            (namespace, serviceAccount) = (account.namespace, account.name)
        } else if let podNamespace = response?.string("subject", "namespace") {
            // EKS Pod Identity: AssumeRoleForPodIdentity returns the pod's subject.
            (namespace, serviceAccount) = (podNamespace, response?.string("subject", "serviceAccount"))
        } else if let tags = parameters?["tags"] {
            // EKS Pod Identity's STS AssumeRole carries the pod's session tags.
            for tag in tags.elements {
                let key = (tag["key"] ?? tag["Key"])?.string
                let value = (tag["value"] ?? tag["Value"])?.nonEmptyString
                if key == "kubernetes-namespace" { namespace = value }
                if key == "kubernetes-service-account" { serviceAccount = value }
            }
        }
        row.namespace = interner.index(of: namespace, in: &batch)
        row.serviceAccount = interner.index(of: serviceAccount, in: &batch)
        if source == .awsEKSAuth, let assumed = response?.string("assumedRoleUser", "arn"),
           let session = assumed.suffix(afterLast: UInt8(ascii: "/")) {
            row.newSession = batch.appendText(String(session))
        }
    }

    // MARK: - Helpers

    static func timestamp(_ value: JSONValue) -> Timestamp? {
        switch value.kind {
        case .string: return Timestamp(bytes: value.rawBytes)
        case .number: return value.double.flatMap { Timestamp(epochNumber: $0) }
        default: return nil
        }
    }

    static func excerpt(_ value: JSONValue) -> String {
        let bytes = value.sourceBytes
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        return bytes.count > 64 ? text + "…" : text
    }
}
