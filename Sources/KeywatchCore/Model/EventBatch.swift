/// Events decoded together, in the compact form ingest works with.
///
/// Text fields are indices into ``strings``, which holds each distinct value of the batch once;
/// the raw records live in one contiguous buffer (``raw``) that the store compresses as a single
/// block. Storing each record verbatim in its row would make SQLite write more than the input's size.
public struct EventBatch: Sendable {
    public var rows: [EventRow] = []
    /// The batch's distinct text values; index 0 stands for "absent".
    public private(set) var strings: [String] = [""]
    /// Per string, its ``ContentHash`` when the interner that added it knew
    /// it, else 0: detection finds group identities by it without reading the text again.
    public private(set) var stringHashes: [UInt64] = [0]
    /// Identifies this batch's string table to the interners that fill it.
    public let stringTableID: UInt64
    /// The inputs (`file:<path>`, `http:<id>`) rows refer to.
    public private(set) var inputs: [String] = []
    /// Concatenated raw records; each row's ``EventRow/raw`` span points into it.
    public var raw: [UInt8] = []
    /// Keys and request ids, concatenated; rows hold ``TextSpan``s into it.
    public private(set) var texts: [UInt8] = []
    public var rejects: [Reject] = []
    /// Records read and deliberately not kept, by reason.
    public var skipped: [SkipReason: Int] = [:]

    public init() {
        stringTableID = UInt64.random(in: 1...UInt64.max)
    }

    /// An empty batch with room for `bytes` of raw records, so that filling it copies each record once.
    public init(reservingRaw bytes: Int, rows count: Int = 0) {
        self.init()
        raw.reserveCapacity(bytes)
        rows.reserveCapacity(count)
        strings.reserveCapacity(count / 4)
        texts.reserveCapacity(count * 80)
    }

    public var isEmpty: Bool { rows.isEmpty && rejects.isEmpty && skipped.isEmpty }

    /// Total records skipped.
    public var skippedCount: Int { skipped.values.reduce(0, +) }

    /// The string at `index`, nil for ``StringIndex/none``.
    @inline(__always)
    public func string(_ index: StringIndex) -> String? {
        index.isNone ? nil : strings[Int(index.rawValue)]
    }

    /// Adds a string to the table without checking for an equal one (interners do that).
    /// - Parameter hash: its ``ContentHash``, or 0 when not at hand.
    public mutating func appendString(_ string: String, hash: UInt64 = 0) -> StringIndex {
        strings.append(string)
        stringHashes.append(hash)
        return StringIndex(rawValue: UInt32(strings.count - 1))
    }

    /// The ``ContentHash`` of the string at `index`.
    public func contentHash(of index: StringIndex) -> UInt64 {
        let known = stringHashes[Int(index.rawValue)]
        return known != 0 ? known : ContentHash.of(strings[Int(index.rawValue)])
    }

    /// The index of an input name, added on first use.
    public mutating func inputIndex(_ name: String) -> UInt32 {
        if let last = inputs.last, last == name { return UInt32(inputs.count - 1) }
        if let found = inputs.firstIndex(of: name) { return UInt32(found) }
        inputs.append(name)
        return UInt32(inputs.count - 1)
    }

    /// Appends text to ``texts``; returns its span.
    public mutating func appendText(_ bytes: UnsafeRawBufferPointer) -> TextSpan {
        let span = TextSpan(offset: UInt32(texts.count), length: UInt32(bytes.count))
        texts.append(contentsOf: bytes)
        return span
    }

    public mutating func appendText(_ string: String) -> TextSpan {
        var string = string
        return string.withUTF8 { appendText(UnsafeRawBufferPointer($0)) }
    }

    /// The text of a span, nil when absent.
    public func text(_ span: TextSpan) -> String? {
        Self.text(span, in: texts)
    }

    /// The text of a span of `texts` (a batch's ``texts``), nil when absent.
    static func text(_ span: TextSpan, in texts: [UInt8]) -> String? {
        span.isNone ? nil : String(decoding: texts[Int(span.offset)..<Int(span.offset + span.length)], as: UTF8.self)
    }

    /// Calls `body` with the bytes of a span.
    public func withTextBytes<R>(_ span: TextSpan, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try texts.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[Int(span.offset)..<Int(span.offset + span.length)])) }
    }

    /// The original record of a row, byte for byte as received.
    public func rawBytes(of row: EventRow) -> ArraySlice<UInt8> {
        raw[row.raw.offset..<(row.raw.offset + row.raw.length)]
    }

    /// Appends a record's bytes to ``raw``; returns their span.
    public mutating func appendRaw(_ bytes: UnsafeRawBufferPointer) -> RawSpan {
        let span = RawSpan(offset: raw.count, length: bytes.count)
        raw.append(contentsOf: bytes)
        return span
    }

    public mutating func skip(_ reason: SkipReason) {
        skipped[reason, default: 0] += 1
    }

    /// The row at `position` as an ``Event`` with strings.
    public func event(at position: Int) -> Event {
        let row = rows[position]
        var event = Event(
            key: text(row.key) ?? "", source: row.source, time: row.time, operation: string(row.operation) ?? "",
            eventClass: row.eventClass, outcome: row.outcome, resourceType: row.resourceType,
            origin: Origin(input: inputs.isEmpty ? "" : inputs[Int(row.input)], offset: row.inputOffset))
        event.status = row.status
        event.errorCode = string(row.errorCode)
        event.reason = row.reason
        event.principal = string(row.principal)
        event.principalType = row.principalType
        event.principalName = string(row.principalName)
        event.appID = string(row.appID)
        event.session = text(row.session)
        event.newSession = text(row.newSession)
        event.namespace = string(row.namespace)
        event.serviceAccount = string(row.serviceAccount)
        event.tenant = string(row.tenant)
        event.account = string(row.account)
        event.scope = string(row.scope)
        event.resource = string(row.resource)
        event.objectName = string(row.objectName)
        event.resourceNamespace = string(row.resourceNamespace)
        event.ip = string(row.ip)
        event.userAgent = string(row.userAgent)
        event.region = string(row.region)
        event.requestID = text(row.requestID)
        return event
    }

    /// Every row as an ``Event``.
    public var events: [Event] { rows.indices.map(event(at:)) }

    /// Moves the contents of `other` into this batch (its string indices and raw spans rebased).
    public mutating func append(contentsOf other: EventBatch) {
        var map: [StringIndex] = [.none]
        map.reserveCapacity(other.strings.count)
        var existing: [String: StringIndex] = [:]
        for (index, value) in strings.enumerated() where index > 0 { existing[value] = StringIndex(rawValue: UInt32(index)) }
        for (value, hash) in zip(other.strings, other.stringHashes).dropFirst() {
            if let found = existing[value] {
                map.append(found)
            } else {
                let index = appendString(value, hash: hash)
                existing[value] = index
                map.append(index)
            }
        }
        let inputMap = other.inputs.map { inputIndex($0) }
        let base = raw.count
        raw.append(contentsOf: other.raw)
        let textBase = UInt32(texts.count)
        texts.append(contentsOf: other.texts)
        rows.reserveCapacity(rows.count + other.rows.count)
        for var row in other.rows {
            row.raw.offset += base
            row.key.offset += textBase
            if !row.requestID.isNone { row.requestID.offset += textBase }
            if !row.session.isNone { row.session.offset += textBase }
            if !row.newSession.isNone { row.newSession.offset += textBase }
            row.input = inputMap.isEmpty ? 0 : inputMap[Int(row.input)]
            row.remapStrings { map[Int($0.rawValue)] }
            rows.append(row)
        }
        rejects.append(contentsOf: other.rejects)
        for (reason, n) in other.skipped { skipped[reason, default: 0] += n }
    }
}

extension EventRow {
    /// Replaces every text field's index by `transform` of it (moving a row to another string table).
    @inlinable
    public mutating func remapStrings(_ transform: (StringIndex) -> StringIndex) {
        operation = transform(operation)
        errorCode = transform(errorCode)
        principal = transform(principal)
        principalName = transform(principalName)
        appID = transform(appID)
        namespace = transform(namespace)
        serviceAccount = transform(serviceAccount)
        tenant = transform(tenant)
        account = transform(account)
        scope = transform(scope)
        resource = transform(resource)
        objectName = transform(objectName)
        resourceNamespace = transform(resourceNamespace)
        ip = transform(ip)
        userAgent = transform(userAgent)
        region = transform(region)
    }
}

/// A record that could not be used, and why. Stored in the `rejects` table.
public struct Reject: Sendable, Equatable {
    public var origin: Origin
    public var reason: String
    /// The first bytes of the record, for the investigator.
    public var prefix: [UInt8]
    /// Which of the files a path names over time (rotated, truncated, replaced) the record was
    /// read from, as a hash of its identity; 0 when not known (pushes). A reject is stored once per
    /// input, generation, offset and reason.
    public var inputGeneration: Int64 = 0

    /// How many leading bytes of a bad record are kept.
    public static let prefixLength = 256

    public init(origin: Origin, reason: String, prefix: some Collection<UInt8>) {
        self.origin = origin
        self.reason = reason
        self.prefix = Array(prefix.prefix(Self.prefixLength))
    }
}

/// Why a well-formed record was not kept.
public enum SkipReason: String, Sendable, CaseIterable, Hashable {
    /// A CloudTrail event of a service other than KMS, STS or EKS Auth.
    case otherEventSource = "other-event-source"
    /// An STS call that does not attribute sessions (not an AssumeRole*).
    case otherSTSEvent = "other-sts-event"
    /// A CloudTrail digest file.
    case digest
    /// A CloudWatch Logs control message.
    case controlMessage = "control-message"
    /// An Azure resource log of another category than `AuditEvent`.
    case otherCategory = "other-category"
    /// An EventBridge event neither from CloudTrail nor from KMS.
    case otherEventBridgeEvent = "other-eventbridge-event"
}

extension EventBatch {
    /// The newest event time among `rows` as an input's progress (``InputWatermarks``), with the
    /// wall clock reading `now`: times more than ``DetectionLimits/futureTolerance`` ahead of it
    /// are left out, as detection leaves them out of its own clock (a record from the future must
    /// not move anyone's); nil when none is left.
    public func newestEventTime(rows: Range<Int>, at now: Timestamp) -> Timestamp? {
        let latest = now + DetectionLimits().futureTolerance
        var newest: Timestamp?
        for row in self.rows[rows] where row.time <= latest {
            if newest == nil || row.time > newest! { newest = row.time }
        }
        return newest
    }
}
