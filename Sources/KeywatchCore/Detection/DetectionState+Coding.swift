/// Detection state as bytes, for the store: a compact binary layout (integers as LEB128
/// varints, strings length-prefixed) — a million groups encode in well under a second, which
/// JSON would not.
extension DetectionState {
    static let formatVersion: UInt64 = 1

    public func encoded() -> [UInt8] {
        var out = StateWriter()
        out.put(Self.formatVersion)
        out.put(clock?.microseconds)
        out.put(UInt64(rules.count))
        for (id, rule) in rules.sorted(by: { $0.key < $1.key }) {
            out.put(id)
            out.put(rule.fingerprint)
            out.put(Int64(rule.late))
            out.put(Int64(rule.refused))
            out.put(rule.learningSince?.microseconds)
            out.put(UInt64(rule.seen.count))
            for digest in rule.seen { out.put(digest) }
            out.put(UInt64(rule.groups.count))
            for (key, group) in rule.groups {
                out.put(key)
                group.encode(to: &out)
            }
        }
        return out.bytes
    }

    /// Reads what ``encoded()`` wrote.
    /// - Throws: ``StateDecodingError`` when the bytes are not such state (another version, cut short).
    public init(decoding bytes: [UInt8]) throws(StateDecodingError) {
        var input = StateReader(bytes: bytes)
        guard try input.unsigned() == Self.formatVersion else { throw StateDecodingError(message: "unknown detection state format") }
        self.init()
        clock = try input.optionalSigned().map(Timestamp.init(microseconds:))
        for _ in 0..<(try input.count()) {
            let id = try input.string()
            var rule = RuleState(fingerprint: try input.string())
            rule.late = Int(try input.signed())
            rule.refused = Int(try input.signed())
            rule.learningSince = try input.optionalSigned().map(Timestamp.init(microseconds:))
            let seen = try input.count()
            rule.seen.reserveCapacity(seen)
            for _ in 0..<seen { rule.seen.insert(try input.unsigned()) }
            let groups = try input.count()
            rule.groups.reserveCapacity(groups)
            for _ in 0..<groups {
                let key = try input.string()
                rule.groups[key] = try GroupState(from: &input)
            }
            rules[id] = rule
        }
    }
}

/// Stored detection state that cannot be read.
public struct StateDecodingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension GroupState {
    func encode(to out: inout StateWriter) {
        out.put(newest.microseconds)
        out.put(since.microseconds)
        out.put(UInt64(windows.count))
        for tally in windows {
            out.put(tally.bucket)
            out.put(Int64(tally.count))
            out.put(tally.first.microseconds)
            out.put(tally.last.microseconds)
            out.put(tally.evidence)
            out.put(tally.values.sorted())
            out.put(UInt64(tally.fired ? 1 : 0))
        }
        out.put(UInt64(history.count))
        for entry in history {
            out.put(entry.bucket)
            out.put(Int64(entry.count))
        }
        out.put(UInt64(open.count))
        for entry in open {
            out.put(entry.slot)
            entry.alert.encode(to: &out)
        }
    }

    init(from input: inout StateReader) throws(StateDecodingError) {
        self.init(at: Timestamp(microseconds: try input.signed()))
        since = Timestamp(microseconds: try input.signed())
        for _ in 0..<(try input.count()) {
            var tally = WindowTally(bucket: try input.signed(), count: Int(try input.signed()),
                                    first: Timestamp(microseconds: try input.signed()),
                                    last: Timestamp(microseconds: try input.signed()))
            tally.evidence = try input.strings()
            tally.values = Set(try input.strings())
            tally.fired = try input.unsigned() == 1
            windows.append(tally)
        }
        for _ in 0..<(try input.count()) {
            history.append(BucketCount(bucket: try input.signed(), count: Int(try input.signed())))
        }
        for _ in 0..<(try input.count()) {
            open.append(OpenAlert(slot: try input.signed(), alert: try Alert(from: &input)))
        }
    }
}

extension Alert {
    func encode(to out: inout StateWriter) {
        out.put([id, key, rule, title, severity.rawValue, summary, ruleFile, ruleSHA256])
        out.put(group.map(\.field))
        out.put(group.map(\.value))
        out.put(Int64(count))
        out.put(window?.start.microseconds)
        out.put(window?.end.microseconds)
        out.put(firstSeen.microseconds)
        out.put(lastSeen.microseconds)
        out.put(events)
        out.put(UInt64(details.count))
        for detail in details {
            out.put(detail.name)
            switch detail.value {
            case .text(let text): out.put(UInt64(0)); out.put(text)
            case .integer(let number): out.put(UInt64(1)); out.put(Int64(number))
            case .number(let number): out.put(UInt64(2)); out.put(number.bitPattern)
            case .list(let items): out.put(UInt64(3)); out.put(items)
            }
        }
    }

    init(from input: inout StateReader) throws(StateDecodingError) {
        let texts = try input.strings()
        guard texts.count == 8, let severity = Rule.Severity(rawValue: texts[4]) else {
            throw StateDecodingError(message: "a stored alert is damaged")
        }
        let fields = try input.strings()
        let values = try input.strings()
        id = texts[0]
        key = texts[1]
        rule = texts[2]
        title = texts[3]
        self.severity = severity
        summary = texts[5]
        ruleFile = texts[6]
        ruleSHA256 = texts[7]
        group = zip(fields, values).map { GroupValue(field: $0, value: $1) }
        count = Int(try input.signed())
        let start = try input.optionalSigned(), end = try input.optionalSigned()
        window = start.flatMap { start in end.map { AlertWindow(start: Timestamp(microseconds: start), end: Timestamp(microseconds: $0)) } }
        firstSeen = Timestamp(microseconds: try input.signed())
        lastSeen = Timestamp(microseconds: try input.signed())
        events = try input.strings()
        details = []
        for _ in 0..<(try input.count()) {
            let name = try input.string()
            switch try input.unsigned() {
            case 0: details.append(AlertDetail(name, .text(try input.string())))
            case 1: details.append(AlertDetail(name, .integer(Int(try input.signed()))))
            case 2: details.append(AlertDetail(name, .number(Double(bitPattern: try input.unsigned()))))
            default: details.append(AlertDetail(name, .list(try input.strings())))
            }
        }
    }
}

/// Appends varints and strings.
struct StateWriter {
    var bytes: [UInt8] = []

    mutating func put(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Zigzag, so small negative numbers stay short.
    mutating func put(_ value: Int64) {
        put(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func put(_ value: Int64?) {
        if let value {
            put(UInt64(1))
            put(value)
        } else {
            put(UInt64(0))
        }
    }

    mutating func put(_ text: String) {
        put(UInt64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func put(_ texts: [String]) {
        put(UInt64(texts.count))
        for text in texts { put(text) }
    }
}

/// Reads what ``StateWriter`` wrote; every read checks the bounds.
struct StateReader {
    let bytes: [UInt8]
    var position = 0

    private static let truncated = StateDecodingError(message: "the stored detection state is cut short")

    mutating func unsigned() throws(StateDecodingError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count, shift < 64 else { throw Self.truncated }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    mutating func signed() throws(StateDecodingError) -> Int64 {
        let raw = try unsigned()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func optionalSigned() throws(StateDecodingError) -> Int64? {
        try unsigned() == 0 ? nil : try signed()
    }

    /// A count of items still to read: never more than bytes remain, so damage cannot ask for a huge allocation.
    mutating func count() throws(StateDecodingError) -> Int {
        let value = try unsigned()
        guard value <= UInt64(bytes.count - position) else { throw Self.truncated }
        return Int(value)
    }

    mutating func string() throws(StateDecodingError) -> String {
        let length = try count()
        defer { position += length }
        return String(decoding: bytes[position..<(position + length)], as: UTF8.self)
    }

    mutating func strings() throws(StateDecodingError) -> [String] {
        var texts: [String] = []
        for _ in 0..<(try count()) { texts.append(try string()) }
        return texts
    }
}
