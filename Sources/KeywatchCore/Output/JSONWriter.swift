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
                guard let (scalar, length) = Self.escaped(base, i, count) else {
                    i += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart))
                appendEscape(scalar)
                i += length
                runStart = i
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The character at `i` of valid UTF-8 when it is written escaped, with its length in bytes:
    /// what JSON requires (`"`, `\\`, controls below 0x20), and what a terminal showing the line
    /// would act on or a reader be misled by — DEL and the C1 controls (U+0080–U+009F, among them
    /// the 8-bit CSI), the line and paragraph separators (line ends to JavaScript), and the
    /// bidirectional embeddings, overrides and isolates that reorder what is shown — the set
    /// ``TerminalText`` escapes in tables. Values from logs are hostile, and JSON lines are read
    /// on terminals too.
    @inline(__always)
    static func escaped(_ base: UnsafePointer<UInt8>, _ i: Int, _ count: Int) -> (scalar: UInt32, length: Int)? {
        let byte = base[i]
        if byte == 0x22 || byte == 0x5C || byte < 0x20 || byte == 0x7F { return (UInt32(byte), 1) }
        if byte == 0xC2, i + 1 < count, base[i + 1] >= 0x80, base[i + 1] <= 0x9F { return (UInt32(base[i + 1]), 2) }
        guard byte == 0xE2, i + 2 < count else { return nil }
        let scalar = 0x2000 | (UInt32(base[i + 1] & 0x3F) << 6) | UInt32(base[i + 2] & 0x3F)
        switch scalar {
        case 0x2028...0x202E, 0x2066...0x2069: return (scalar, 3)
        default: return nil
        }
    }

    private mutating func appendEscape(_ scalar: UInt32) {
        switch scalar {
        case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
        case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        default:
            bytes.append(contentsOf: Self.unicodeEscape(scalar).utf8)
        }
    }

    /// `\u` and four hex digits.
    static func unicodeEscape(_ scalar: UInt32) -> String {
        let hex = String(scalar, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
