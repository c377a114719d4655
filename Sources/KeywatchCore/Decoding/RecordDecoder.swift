import Foundation

/// Decompresses gzip found inside records (CloudWatch Logs subscription payloads, Firehose data),
/// producing at most `limit` bytes; throws past the limit. Supplied by the caller so that Core
/// stays free of C libraries.
public typealias NestedInflater = (_ compressed: [UInt8], _ limit: Int) throws -> [UInt8]

/// Turns framed records into normalized events, whatever envelope they came in (docs/inputs.md).
///
/// A record is recognized by its content: a CloudTrail event (`eventSource`), a Key Vault
/// `AuditEvent` (`operationName`), an EventBridge envelope (`detail-type`), a CloudWatch Logs
/// subscription payload (`awslogs.data`, base64 gzip), a Firehose record (`data`), a wrapper object
/// nested where the framer could not stream it (`Records`, `records`, `logEvents`), or a CloudTrail
/// digest (skipped). Anything else is rejected with a reason. Not thread-safe: one per thread.
public final class RecordDecoder {
    public struct Options: Sendable {
        /// Records (and lines) larger than this are rejected.
        public var maximumRecordBytes: Int
        /// JSON nesting deeper than this is rejected.
        public var maximumDepth: Int
        /// The largest decompressed size of a payload nested in a record.
        public var maximumNestedPayloadBytes: Int

        public init(maximumRecordBytes: Int = 8 << 20, maximumDepth: Int = 128, maximumNestedPayloadBytes: Int = 16 << 20) {
            self.maximumRecordBytes = maximumRecordBytes
            self.maximumDepth = maximumDepth
            self.maximumNestedPayloadBytes = maximumNestedPayloadBytes
        }
    }

    public let options: Options
    /// The event times kept (records dated outside are rejected): by default any time since the
    /// epoch; the ingest layer sets bounds from the wall clock and refreshes them as it runs.
    public var eventTimes = EventTimeBounds.anyTimeSinceEpoch {
        didSet {
            cloudTrail.eventTimes = eventTimes
            keyVault.eventTimes = eventTimes
        }
    }
    private let inflate: NestedInflater?
    /// One parser per level of nesting (a record inside a record's payload).
    private var parsers: [JSONParser] = []
    private var level = 0
    private let cloudTrail = CloudTrailNormalizer()
    private let keyVault = KeyVaultNormalizer()
    private static let maximumNesting = 3

    private enum Kind: String, CaseIterable {
        case eventSource, operationName, detailType = "detail-type", detail, awslogs, data
        case capitalRecords = "Records", records, logEvents, messageType
        case digestSignatureAlgorithm, digestStartTime, time, resourceId, category
    }

    private let kinds = JSONKeyTable<Kind>()

    public init(options: Options = Options(), inflate: NestedInflater? = nil) {
        self.options = options
        self.inflate = inflate
        parsers = (0...Self.maximumNesting).map { _ in JSONParser(maximumDepth: options.maximumDepth) }
    }

    /// Decodes one framed record into `batch`: an event, a skip, or a reject (several events when
    /// the record is itself a container of records).
    public func decode(_ record: RecordFramer.Record, origin: Origin, into batch: inout EventBatch) {
        if case .wrapper(.logEvents, let control) = record.container {
            decodeLogEvent(record.bytes, controlMessage: control, origin: origin, into: &batch)
        } else {
            decodeRecord(record.bytes, origin: origin, into: &batch)
        }
    }

    /// Decodes the record at the start of `bytes` in place — one pass over its bytes — and returns
    /// its length; nil (with nothing added to `batch`) when it is not a complete valid value, so the
    /// framer finds its end and ``decode(_:origin:into:)`` reports it.
    public func decodeLeading(
        _ bytes: UnsafeRawBufferPointer, container: RecordFramer.Container, origin: Origin, into batch: inout EventBatch
    ) -> Int? {
        try? parsers[level].parsePrefix(bytes) { document, length in
            let record = UnsafeRawBufferPointer(rebasing: bytes[0..<length])
            if case .wrapper(.logEvents, let control) = container {
                decodeLogEvent(document.root, bytes: record, controlMessage: control, origin: origin, into: &batch)
            } else {
                classify(document.root, bytes: record, origin: origin, into: &batch)
            }
            return length
        }
    }

    /// Decodes a whole in-memory input (any shape of docs/inputs.md), as ``InputDecoder`` would a stream.
    public func decodeDocument(_ bytes: UnsafeRawBufferPointer, origin: Origin, into batch: inout EventBatch) {
        let framer = RecordFramer(maximumRecordBytes: options.maximumRecordBytes)
        framer.write(bytes)
        let handle: (RecordFramer.Output) -> Void = { output in
            switch output {
            case .record(let record):
                let recordOrigin = Origin(input: origin.input, offset: origin.offset.map { $0 + record.offset })
                self.decode(record, origin: recordOrigin, into: &batch)
            case .problem(let problem):
                batch.rejects.append(Reject(
                    origin: Origin(input: origin.input, offset: origin.offset.map { $0 + problem.offset }),
                    reason: problem.reason, prefix: problem.prefix))
            }
        }
        framer.drain(handle)
        framer.finish(handle)
    }

    // MARK: - Records

    private func decodeRecord(_ bytes: UnsafeRawBufferPointer, origin: Origin, into batch: inout EventBatch) {
        let parser = parsers[level]
        do {
            try parser.parse(bytes) { document in
                classify(document.root, bytes: bytes, origin: origin, into: &batch)
            }
        } catch let error as JSONError {
            batch.rejects.append(Reject(origin: origin, reason: error.description, prefix: bytes))
        } catch {
            batch.rejects.append(Reject(origin: origin, reason: "\(error)", prefix: bytes))
        }
    }

    private func classify(_ root: JSONValue, bytes: UnsafeRawBufferPointer, origin: Origin, into batch: inout EventBatch) {
        guard root.kind == .object else {
            batch.rejects.append(Reject(origin: origin, reason: "record is not a JSON object (it is \(Self.describe(root.kind)))", prefix: bytes))
            return
        }
        // The common cases, recognized without looking at every member.
        if root.hasMember(named: "eventSource") {
            accept(cloudTrail.normalize(root, raw: bytes, into: &batch), raw: bytes, origin: origin, into: &batch)
            return
        }
        if root.hasMember(named: "operationName") {
            accept(keyVault.normalize(root, raw: bytes, into: &batch), raw: bytes, origin: origin, into: &batch)
            return
        }
        var found = Found()
        for (key, value) in root.members {
            switch kinds.match(key) {
            case .eventSource: found.eventSource = true
            case .operationName: found.operationName = true
            case .resourceId: found.resourceID = true
            case .time: found.time = true
            case .detailType: found.detailType = value
            case .detail: found.detail = value
            case .awslogs: found.awslogs = value
            case .data: found.data = value
            case .capitalRecords, .records: found.records = value
            case .logEvents: found.logEvents = value
            case .messageType: found.controlMessage = value.stringEquals("CONTROL_MESSAGE")
            case .digestSignatureAlgorithm, .digestStartTime: found.digest = true
            case .category: break
            case nil: found.unknownMembers += 1
            }
        }
        if found.eventSource {
            accept(cloudTrail.normalize(root, raw: bytes, into: &batch), raw: bytes, origin: origin, into: &batch)
        } else if found.operationName || found.resourceID && found.time {
            accept(keyVault.normalize(root, raw: bytes, into: &batch), raw: bytes, origin: origin, into: &batch)
        } else if let detailType = found.detailType, let detail = found.detail {
            decodeEventBridge(root, detailType: detailType, detail: detail, bytes: bytes, origin: origin, into: &batch)
        } else if let data = found.awslogs?["data"], data.kind == .string {
            decodeEncodedPayload(data, what: "CloudWatch Logs subscription data", origin: origin, into: &batch)
        } else if let array = found.logEvents ?? found.records, array.kind == .array {
            decodeElements(array, logEvents: found.logEvents != nil, controlMessage: found.controlMessage, origin: origin, into: &batch)
        } else if found.digest {
            batch.skip(.digest)
        } else if let data = found.data, data.kind == .string, found.unknownMembers == 0 {
            decodeEncodedPayload(data, what: "Firehose record data", origin: origin, into: &batch)
        } else {
            batch.rejects.append(Reject(
                origin: origin,
                reason: "unrecognized record: neither a CloudTrail event (eventSource) nor a Key Vault AuditEvent (operationName)",
                prefix: bytes))
        }
    }

    /// The members that tell what a record is.
    private struct Found {
        var eventSource = false, operationName = false, resourceID = false, time = false, digest = false
        var controlMessage = false
        var detailType: JSONValue?, detail: JSONValue?, awslogs: JSONValue?, data: JSONValue?
        var records: JSONValue?, logEvents: JSONValue?
        var unknownMembers = 0
    }

    private func accept(_ normalized: Normalized, raw: UnsafeRawBufferPointer, origin: Origin, into batch: inout EventBatch) {
        switch normalized {
        case .appended:
            let input = batch.inputIndex(origin.input)
            let span = batch.appendRaw(raw)
            let last = batch.rows.count - 1
            batch.rows[last].input = input
            batch.rows[last].inputOffset = origin.offset
            batch.rows[last].raw = span
        case .skipped(let reason):
            batch.skip(reason)
        case .rejected(let reason):
            batch.rejects.append(Reject(origin: origin, reason: reason, prefix: raw))
        }
    }

    // MARK: - Envelopes

    private func decodeEventBridge(
        _ root: JSONValue, detailType: JSONValue, detail: JSONValue, bytes: UnsafeRawBufferPointer,
        origin: Origin, into batch: inout EventBatch
    ) {
        if detail.kind == .object, detail["eventSource"] != nil {
            // "AWS API Call via CloudTrail" (and other CloudTrail-borne detail types): the record is the detail.
            let raw = detail.sourceBytes
            accept(cloudTrail.normalize(detail, raw: raw, into: &batch), raw: raw, origin: origin, into: &batch)
        } else if root["source"]?.stringEquals("aws.kms") == true {
            accept(EventBridgeNormalizer.native(root, detailType: detailType, eventTimes: eventTimes, into: &batch), raw: bytes, origin: origin, into: &batch)
        } else {
            batch.skip(.otherEventBridgeEvent)
        }
    }

    /// Base64 (and maybe gzip) data holding more records.
    private func decodeEncodedPayload(_ data: JSONValue, what: String, origin: Origin, into batch: inout EventBatch) {
        guard level < Self.maximumNesting else {
            batch.rejects.append(Reject(origin: origin, reason: "\(what) nested too deeply", prefix: data.sourceBytes))
            return
        }
        guard let text = data.string, var decoded = Data(base64Encoded: text, options: .ignoreUnknownCharacters).map(Array.init) else {
            batch.rejects.append(Reject(origin: origin, reason: "\(what) is not valid base64", prefix: data.sourceBytes))
            return
        }
        if decoded.count >= 2, decoded[0] == 0x1F, decoded[1] == 0x8B {
            guard let inflate else {
                batch.rejects.append(Reject(origin: origin, reason: "\(what) is gzip, and no decompressor is available", prefix: data.sourceBytes))
                return
            }
            do {
                decoded = try inflate(decoded, options.maximumNestedPayloadBytes)
            } catch {
                batch.rejects.append(Reject(origin: origin, reason: "\(what): \(error)", prefix: data.sourceBytes))
                return
            }
        }
        level += 1
        defer { level -= 1 }
        decoded.withUnsafeBytes { decodeDocument($0, origin: Origin(input: origin.input, offset: origin.offset), into: &batch) }
    }

    /// The elements of a wrapper array found inside a record.
    private func decodeElements(
        _ array: JSONValue, logEvents: Bool, controlMessage: Bool, origin: Origin, into batch: inout EventBatch
    ) {
        guard level < Self.maximumNesting else {
            batch.rejects.append(Reject(origin: origin, reason: "records nested too deeply", prefix: array.sourceBytes))
            return
        }
        level += 1
        defer { level -= 1 }
        for element in array.elements {
            if logEvents {
                decodeLogEvent(element.sourceBytes, controlMessage: controlMessage, origin: origin, into: &batch)
            } else {
                decodeRecord(element.sourceBytes, origin: origin, into: &batch)
            }
        }
    }

    /// A CloudWatch Logs event `{"id":…,"timestamp":…,"message":"<CloudTrail record as a string>"}`.
    private func decodeLogEvent(_ bytes: UnsafeRawBufferPointer, controlMessage: Bool, origin: Origin, into batch: inout EventBatch) {
        guard level < Self.maximumNesting else {
            batch.rejects.append(Reject(origin: origin, reason: "log events nested too deeply", prefix: bytes))
            return
        }
        do {
            try parsers[level].parse(bytes) { document in
                decodeLogEvent(document.root, bytes: bytes, controlMessage: controlMessage, origin: origin, into: &batch)
            }
        } catch {
            batch.rejects.append(Reject(origin: origin, reason: "\(error)", prefix: bytes))
        }
    }

    private func decodeLogEvent(
        _ element: JSONValue, bytes: UnsafeRawBufferPointer, controlMessage: Bool, origin: Origin, into batch: inout EventBatch
    ) {
        if controlMessage {
            batch.skip(.controlMessage)
            return
        }
        guard let message = element["message"], message.kind == .string else {
            batch.rejects.append(Reject(origin: origin, reason: "CloudWatch Logs event without a message string", prefix: bytes))
            return
        }
        var text: [UInt8] = []
        message.appendDecodedString(to: &text)
        if text.starts(with: Self.controlMessagePrefix) {
            batch.skip(.controlMessage)
            return
        }
        guard level < Self.maximumNesting else {
            batch.rejects.append(Reject(origin: origin, reason: "log events nested too deeply", prefix: bytes))
            return
        }
        level += 1
        defer { level -= 1 }
        text.withUnsafeBytes { decodeRecord($0, origin: origin, into: &batch) }
    }

    private static let controlMessagePrefix = Array("CWL CONTROL MESSAGE".utf8)

    static func describe(_ kind: JSONKind) -> String {
        switch kind {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .true, .false: return "a boolean"
        case .null: return "null"
        }
    }
}
