import KeywatchCore

/// Writes an ``EventRow``'s fields as a row of the staging table (``PostgresEventWriter/stagingColumns``),
/// each distinct string of the batch escaped once rather than once per row that holds it.
struct CopyFields {
    /// Per index of the batch's string table, the escaped value (empty for index 0, "absent").
    private let strings: [[UInt8]]
    /// Per input of the batch, its escaped name.
    private let inputs: [[UInt8]]

    init(_ batch: EventBatch) {
        strings = batch.strings.enumerated().map { index, value in
            guard index > 0 else { return [] }
            var value = value
            return value.withUTF8 { CopyTextRows.escaped(UnsafeRawBufferPointer($0)) }
        }
        inputs = batch.inputs.map { name in
            var name = name
            return name.withUTF8 { CopyTextRows.escaped(UnsafeRawBufferPointer($0)) }
        }
    }

    func write(_ row: EventRow, of batch: EventBatch, to out: inout CopyTextRows) {
        func string(_ index: StringIndex) {
            if index.isNone { out.null() } else { out.escapedField(strings[Int(index.rawValue)][...]) }
        }
        func text(_ span: TextSpan) {
            if span.isNone { out.null() } else { batch.withTextBytes(span) { out.text($0) } }
        }
        func name(_ value: String?) {
            if let value { out.text(value) } else { out.null() }
        }
        if row.key.isNone { out.text("") } else { text(row.key) }
        out.timestamp(row.time)
        out.text(row.source.rawValue)
        if row.operation.isNone { out.text("") } else { string(row.operation) }
        out.text(row.eventClass.rawValue)
        out.text(row.outcome.rawValue)
        if let status = row.status { out.integer(Int64(status)) } else { out.null() }
        string(row.errorCode)
        name(row.reason?.rawValue)
        string(row.principal)
        name(row.principalType?.rawValue)
        string(row.principalName)
        string(row.appID)
        text(row.session)
        text(row.newSession)
        string(row.namespace)
        string(row.serviceAccount)
        string(row.tenant)
        string(row.account)
        string(row.scope)
        string(row.resource)
        out.text(row.resourceType.rawValue)
        string(row.objectName)
        string(row.resourceNamespace)
        string(row.ip)
        string(row.userAgent)
        string(row.region)
        text(row.requestID)
        if inputs.isEmpty { out.text("") } else { out.escapedField(inputs[Int(row.input)][...]) }
        if let offset = row.inputOffset { out.integer(offset) } else { out.null() }
        out.record(batch.rawBytes(of: row))
        out.endRow()
    }
}
