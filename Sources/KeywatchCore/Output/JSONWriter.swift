/// Writes JSON text: the one encoder behind `--format json` events, alerts and webhook bodies.
///
/// Strings are escaped per RFC 8259 (quotes, backslashes, control characters), plus U+2028 and
/// U+2029 so the output is also safe inside JavaScript. Keys are written in the order given.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    public init() {}

    /// A writer with room for `capacity` bytes, for output of a size known roughly in advance:
    /// growing the buffer copies what was written.
    public init(reservingCapacity capacity: Int) {
        bytes.reserveCapacity(capacity)
        needsComma.reserveCapacity(4)
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    public mutating func endObject() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    public mutating func endArray() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes a key; the next value written is its value.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    public mutating func value(_ text: String?) {
        separate()
        if let text { appendQuoted(text) } else { appendLiteral("null") }
    }

    public mutating func value(_ number: Int?) {
        separate()
        if let number { bytes.append(contentsOf: String(number).utf8) } else { appendLiteral("null") }
    }

    public mutating func value(_ number: Int64) {
        separate()
        bytes.append(contentsOf: String(number).utf8)
    }

    public mutating func value(_ number: Double) {
        separate()
        if number.isFinite { bytes.append(contentsOf: "\(number)".utf8) } else { appendLiteral("null") }
    }

    public mutating func value(_ flag: Bool) {
        separate()
        appendLiteral(flag ? "true" : "false")
    }

    /// Writes already-valid JSON text (a stored record) as a value.
    public mutating func rawValue(_ json: some Collection<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
    }

    /// `"name": value` for a string.
    public mutating func field(_ name: String, _ text: String?) {
        key(name)
        value(text)
    }

    /// `"name": value` for a number.
    public mutating func field(_ name: String, _ number: Int?) {
        key(name)
        value(number)
    }

    private mutating func separate() {
        guard let last = needsComma.last else { return }
        if last { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func appendLiteral(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Copies runs of bytes that need no escape as they are, found eight bytes at a time (a
    /// String is valid UTF-8, so the bytes that need one are found without decoding scalars).
    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return }
            let count = utf8.count
            var runStart = 0
            var i = 0
            while true {
                i = ByteScan.skipPlainOutputBytes(base, i, count)
                guard i < count else { break }
                let byte = base[i]
                let length: Int
                if byte == 0x22 || byte == 0x5C || byte < 0x20 || byte == 0x7F {
                    length = 1
                } else if byte == 0xE2, i + 2 < count, base[i + 1] == 0x80, base[i + 2] == 0xA8 || base[i + 2] == 0xA9 {
                    length = 3  // U+2028, U+2029: line ends to JavaScript
                } else {
                    i += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart))
                appendEscape(length == 1 ? UInt32(byte) : 0x2028 + UInt32(base[i + 2] - 0xA8))
                i += length
                runStart = i
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ scalar: UInt32) {
        switch scalar {
        case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
        case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        default:
            let hex = String(scalar, radix: 16)
            bytes.append(contentsOf: "\\u".utf8)
            bytes.append(contentsOf: String(repeating: "0", count: 4 - hex.count).utf8)
            bytes.append(contentsOf: hex.utf8)
        }
    }
}
