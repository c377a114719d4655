/// Writes JSON text: the one encoder behind `--format json` events, alerts and webhook bodies.
///
/// Strings are escaped per RFC 8259 (quotes, backslashes, control characters), plus U+2028 and
/// U+2029 so the output is also safe inside JavaScript. Keys are written in the order given.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    public init() {}

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

    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00...0x1F, 0x7F, 0x2028, 0x2029:
                let hex = String(scalar.value, radix: 16)
                bytes.append(contentsOf: "\\u".utf8)
                bytes.append(contentsOf: String(repeating: "0", count: 4 - hex.count).utf8)
                bytes.append(contentsOf: hex.utf8)
            default:
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
