/// Detection state as bytes, for the store: a compact binary layout (integers as LEB128
/// varints, strings length-prefixed) — a million groups encode in well under a second, which
/// JSON would not.
extension DetectionState {
    /// 2: groups by ``GroupID``, with the keys of absence rules apart; 1 (still read): groups by key.
    static let formatVersion: UInt64 = 2

    /// The state as one array of bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        encode(chunkSize: .max) { bytes += $0 }
        return bytes
    }

    /// Writes the state as a sequence of chunks of about `chunkSize` bytes, handed to `emit` one at
    /// a time: a million groups make well over a hundred megabytes, which must not sit in memory
    /// twice (and again in SQLite) while being saved. Chunks end between items only, so
    /// ``init(chunks:)`` reads them back one at a time too.
    public func encode(chunkSize: Int = 1 << 20, _ emit: ([UInt8]) throws -> Void) rethrows {
        var out = StateWriter()
        func flushIfFull() throws {
            guard out.bytes.count >= chunkSize else { return }
            try emit(out.bytes)
            out.bytes.removeAll(keepingCapacity: true)
        }
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
            for digest in rule.seen {
                out.put(digest)
                try flushIfFull()
            }
            out.put(UInt64(rule.groups.count))
            for (_, id, group) in rule.groups {
                out.put(id)
                group.encode(to: &out)
                try flushIfFull()
            }
            out.put(UInt64(rule.keys.count))
            for (id, key) in rule.keys {
                out.put(id)
                out.put(key)
                try flushIfFull()
            }
        }
        if !out.bytes.isEmpty { try emit(out.bytes) }
    }

    /// Reads what ``encoded()`` wrote.
    /// - Throws: ``StateDecodingError`` when the bytes are not such state (another version, cut short).
    public init(decoding bytes: [UInt8]) throws(StateDecodingError) {
        var chunks = CollectionOfOne(bytes).makeIterator()
        try self.init(chunks: &chunks)
    }

    /// Reads what ``encode(chunkSize:_:)`` wrote, a chunk at a time.
    /// - Throws: ``StateDecodingError`` when the chunks are not such state (another version, cut short).
    public init(chunks: inout some IteratorProtocol<[UInt8]>) throws(StateDecodingError) {
        var input = StateReader(chunks: &chunks)
        let version = try input.unsigned()
        guard version == 1 || version == Self.formatVersion else { throw StateDecodingError(message: "unknown detection state format") }
        self.init()
        clock = try input.optionalSigned().map(Timestamp.init(microseconds:))
        for _ in 0..<(try input.count()) {
            let id = try input.string()
            var rule = RuleState(fingerprint: try input.string())
            rule.late = Int(try input.signed())
            rule.refused = Int(try input.signed())
            rule.learningSince = try input.optionalSigned().map(Timestamp.init(microseconds:))
            let seen = try input.itemCount()
            rule.seen.reserveCapacity(min(seen, 1 << 20))
            for _ in 0..<seen {
                rule.seen.insert(try input.unsigned())
                input.nextChunkIfDone(&chunks)
            }
            let groups = try input.itemCount()
            rule.groups.reserveCapacity(min(groups, 1 << 20))
            for _ in 0..<groups {
                if version == 1 {
                    let key = try input.string()
                    let id = GroupKey.id(key)
                    rule.groups[id] = try GroupState(from: &input)
                    rule.keys[id] = key
                } else {
                    let id = try input.groupID()
                    rule.groups[id] = try GroupState(from: &input)
                }
                input.nextChunkIfDone(&chunks)
            }
            if version > 1 {
                for _ in 0..<(try input.itemCount()) {
                    let id = try input.groupID()
                    rule.keys[id] = try input.string()
                    input.nextChunkIfDone(&chunks)
                }
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

    /// Sixteen bytes, as they are: a digest's bits are all used, so varints would make it longer.
    mutating func put(_ id: GroupID) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: id.high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: id.low >> UInt64(shift))) }
    }

    mutating func put(_ texts: [String]) {
        put(UInt64(texts.count))
        for text in texts { put(text) }
    }
}

/// Reads what ``StateWriter`` wrote; every read checks the bounds.
struct StateReader {
    private(set) var bytes: [UInt8]
    var position = 0

    /// Starts on the first chunk.
    init(chunks: inout some IteratorProtocol<[UInt8]>) {
        bytes = []
        nextChunkIfDone(&chunks)
    }

    /// Moves to the next non-empty chunk when this one is read to its end (between items, where
    /// chunks end).
    mutating func nextChunkIfDone(_ chunks: inout some IteratorProtocol<[UInt8]>) {
        while position == bytes.count, let next = chunks.next() {
            bytes = next
            position = 0
        }
    }

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

    /// A count of items that may continue in later chunks: unbounded, so never reserve that many.
    mutating func itemCount() throws(StateDecodingError) -> Int {
        let value = try unsigned()
        guard value <= UInt64(Int.max) else { throw Self.truncated }
        return Int(value)
    }

    mutating func groupID() throws(StateDecodingError) -> GroupID {
        guard bytes.count - position >= 16 else { throw Self.truncated }
        var high: UInt64 = 0, low: UInt64 = 0
        for k in 0..<8 { high = high << 8 | UInt64(bytes[position + k]) }
        for k in 8..<16 { low = low << 8 | UInt64(bytes[position + k]) }
        position += 16
        return GroupID(high: high, low: low)
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
