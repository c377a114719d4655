import KeywatchCore

/// Rows in the text format of `COPY … FROM STDIN`: fields separated by tabs, rows ended by a
/// newline, `\N` for NULL, and a backslash before the backslashes, tabs, newlines and carriage
/// returns a value holds — so any value goes through whole, quotes and all.
///
/// Text is encoded as stored (``PostgresText``): a NUL cannot travel in a `text` field.
struct CopyTextRows {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Empties the buffer, keeping its storage.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Ends the row (the last field written ended with a tab).
    mutating func endRow() {
        bytes[bytes.count - 1] = UInt8(ascii: "\n")
    }

    mutating func null() {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "N"))
        bytes.append(UInt8(ascii: "\t"))
    }

    /// A field already escaped (``escaped(_:)``).
    mutating func escapedField(_ field: ArraySlice<UInt8>) {
        bytes.append(contentsOf: field)
        bytes.append(UInt8(ascii: "\t"))
    }

    /// A text field of UTF-8 bytes.
    mutating func text(_ utf8: UnsafeRawBufferPointer) {
        Self.appendEscaped(utf8, to: &bytes)
        bytes.append(UInt8(ascii: "\t"))
    }

    mutating func text(_ value: String) {
        var value = value
        value.withUTF8 { text(UnsafeRawBufferPointer($0)) }
    }

    mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 20 digits, written from the end
        withUnsafeMutableBytes(of: &digits) { buffer in
            var at = buffer.count
            repeat {
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: buffer[at...])
        }
        bytes.append(UInt8(ascii: "\t"))
    }

    /// An instant as `timestamptz` reads it: RFC 3339 in UTC, microseconds.
    mutating func timestamp(_ time: Timestamp) {
        bytes.append(contentsOf: time.rfc3339.utf8)
        bytes.append(UInt8(ascii: "\t"))
    }

    /// A `bytea` field: `\x` and hex digits, its backslash doubled.
    mutating func bytea(_ value: ArraySlice<UInt8>) {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "x"))
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: value.count * 2))
        bytes.withUnsafeMutableBufferPointer { out in
            var at = start
            for byte in value {
                out[at] = Self.hexDigits[Int(byte >> 4)]
                out[at + 1] = Self.hexDigits[Int(byte & 0xF)]
                at += 2
            }
        }
        bytes.append(UInt8(ascii: "\t"))
    }

    /// A record as two fields, `raw` (`bytea`) then `raw_text` (`text`), one of them NULL: as text
    /// when it is UTF-8 without a NUL (every JSON record keywatch keeps), half the bytes of hex for
    /// the server to parse; as `bytea` otherwise, so any bytes still arrive exactly.
    mutating func record(_ value: ArraySlice<UInt8>) {
        let isText = value.withUnsafeBytes { bytes in
            !bytes.contains(0) && (bytes.allSatisfy { $0 < 0x80 } || String(validating: bytes, as: UTF8.self) != nil)
        }
        if isText {
            null()
            value.withUnsafeBytes { Self.appendEscapedStored($0, to: &bytes) }
            bytes.append(UInt8(ascii: "\t"))
        } else {
            bytea(value)
            null()
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `utf8` as a text field's bytes (without the tab): encoded as stored, then escaped.
    static func escaped(_ utf8: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        appendEscaped(utf8, to: &out)
        return out
    }

    private static func appendEscaped(_ utf8: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        if PostgresText.needsEncoding(utf8) {
            var stored = PostgresText.encode(String(decoding: utf8, as: UTF8.self))
            stored.withUTF8 { appendEscapedStored(UnsafeRawBufferPointer($0), to: &out) }
        } else {
            appendEscapedStored(utf8, to: &out)
        }
    }

    /// Escapes the four characters COPY's text format gives a meaning to.
    private static func appendEscapedStored(_ utf8: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        // Most values hold none of them: copied whole.
        guard utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            out.append(contentsOf: utf8)
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            default: out.append(byte)
            }
        }
    }
}
