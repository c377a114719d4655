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

    mutating func put(_ text: String?) {
        if let text {
            put(UInt64(1))
            put(text)
        } else {
            put(UInt64(0))
        }
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

    mutating func optionalString() throws(StateDecodingError) -> String? {
        try unsigned() == 0 ? nil : try string()
    }

    mutating func strings() throws(StateDecodingError) -> [String] {
        var texts: [String] = []
        for _ in 0..<(try count()) { texts.append(try string()) }
        return texts
    }
}
