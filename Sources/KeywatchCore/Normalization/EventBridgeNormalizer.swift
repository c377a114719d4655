/// Normalizes the events KMS itself sends to EventBridge (`KMS CMK Rotation`,
/// `KMS Imported Key Material Expiration`, `KMS CMK Deletion`): AWS acting, so class `service`.
enum EventBridgeNormalizer {
    static func native(_ envelope: JSONValue, detailType: JSONValue, eventTimes: EventTimeBounds,
                       into batch: inout EventBatch) -> Normalized {
        guard let id = envelope["id"]?.nonEmptyString else { return .rejected("EventBridge event without an id") }
        guard let operation = detailType.nonEmptyString else { return .rejected("EventBridge event without a detail-type") }
        guard let timeValue = envelope["time"] else { return .rejected("EventBridge event without a time") }
        let time: Timestamp
        switch eventTimes.eventTime(timeValue, field: "EventBridge time") {
        case .success(let read): time = read
        case .failure(let rejection): return .rejected(rejection.reason)
        }
        var row = EventRow(key: batch.appendText(id), keyHash: KeyHash.of(id), source: .awsKMS, time: time, eventClass: .service, outcome: .success)
        row.operation = batch.appendString(operation)
        row.principal = batch.appendString("kms.amazonaws.com")
        row.principalType = .service
        row.principalName = row.principal
        let account = envelope["account"]?.nonEmptyString
        let region = envelope["region"]?.nonEmptyString
        if let account {
            row.tenant = batch.appendString(account)
            row.account = row.tenant
        }
        if let region { row.region = batch.appendString(region) }
        if let resource = envelope["resources"]?[0]?.nonEmptyString ?? envelope["detail"]?["key-id"]?.nonEmptyString {
            row.resource = batch.appendString(resource)
            row.resourceType = .key
            row.objectName = batch.appendString(resource.suffix(afterLast: UInt8(ascii: "/")).map(String.init) ?? resource)
        }
        if let account {
            row.scope = batch.appendString(region.map { "\(account)/\($0)" } ?? account)
        }
        batch.rows.append(row)
        return .appended
    }
}
