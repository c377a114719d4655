import KeywatchCore

/// Decodes `text` (records of any shape keywatch reads) as one input into a batch.
func decodedBatch(_ text: String, input: String = "file:test") -> EventBatch {
    var batch = EventBatch()
    Array(text.utf8).withUnsafeBytes {
        RecordDecoder().decodeDocument($0, origin: Origin(input: input, offset: 0), into: &batch)
    }
    return batch
}

/// A CloudTrail KMS record with the given id and time.
func cloudTrailRecord(id: String, time: String, principal: String = "arn:aws:sts::111122223333:assumed-role/app/session-1") -> String {
    #"{"eventVersion":"1.09","eventTime":"\#(time)","eventSource":"kms.amazonaws.com","eventName":"Decrypt","#
        + #""awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1","userAgent":"aws-sdk-go","#
        + #""userIdentity":{"type":"AssumedRole","arn":"\#(principal)","accountId":"111122223333"},"#
        + #""recipientAccountId":"111122223333","eventID":"\#(id)","requestID":"req-\#(id)"}"#
}

/// Text that COPY's text format and PostgreSQL's `text` type give a meaning to, all at once:
/// quotes, backslashes (before letters COPY reads as escapes, and `\N`, `\.`), tab, newline,
/// carriage return, NUL, U+FFFE (the store's own escape) and SQL.
let hostileText = "a'b\"c\\d\\N\\.\te\nf\r\ng\u{0}h\u{FFFE}0i\u{FFFE}\u{FFFE}j\u{0}'); DROP TABLE events; --\u{1F512}"

/// A batch of one event per entry of `texts` whose every text field holds that entry (marked by
/// the field's name, so that a value landing in the wrong column shows), and whose record is
/// every byte value (even entries) or the entry without its NULs (odd ones).
func hostileBatch(_ texts: [String], time: Timestamp = Timestamp(seconds: 1_795_600_000)) -> EventBatch {
    var batch = EventBatch()
    for (n, text) in texts.enumerated() {
        func string(_ field: String) -> StringIndex { batch.appendString("\(field):\(text)") }
        func span(_ field: String) -> TextSpan { batch.appendText("\(field):\(text)") }
        // Every byte value (sent as bytes), or text with every character COPY escapes (sent as text).
        let raw = n % 2 == 0 ? Array(0...255).map(UInt8.init) + Array("\(n)".utf8) : Array(text.filter { $0 != "\u{0}" }.utf8)
        var row = EventRow(key: span("key"), keyHash: 0, source: .azureKeyVault, time: time + .seconds(Int64(n)),
                           eventClass: .permission, outcome: .denied)
        row.operation = string("operation")
        row.status = 403
        row.errorCode = string("error_code")
        row.reason = .accessPolicy
        row.principal = string("principal")
        row.principalType = .app
        row.principalName = string("principal_name")
        row.appID = string("app_id")
        row.session = span("session")
        row.newSession = span("new_session")
        row.namespace = string("namespace")
        row.serviceAccount = string("service_account")
        row.tenant = string("tenant")
        row.account = string("account")
        row.scope = string("scope")
        row.resource = string("resource")
        row.resourceType = .secret
        row.objectName = string("object_name")
        row.resourceNamespace = string("resource_namespace")
        row.ip = string("ip")
        row.userAgent = string("user_agent")
        row.region = string("region")
        row.requestID = span("request_id")
        row.input = batch.inputIndex("http:\(text)")
        row.inputOffset = Int64(n)
        row.raw = raw.withUnsafeBytes { batch.appendRaw($0) }
        batch.rows.append(row)
    }
    return batch
}
