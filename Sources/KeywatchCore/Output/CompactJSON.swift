/// A stored record re-written as one line of JSON, so `--format json --raw` stays one object per
/// line however the source pretty-printed its records.
public enum CompactJSON {
    /// `record` without the whitespace between its tokens (newlines, indentation), and with DEL, the
    /// C1 controls, the line separators and the bidirectional controls inside strings escaped as the
    /// JSON writer escapes them (``JSONWriter/escaped(_:_:_:)``); nil when `record` is not one valid
    /// JSON value (then it is no JSON to embed, and the caller embeds it as a string).
    ///
    /// Whitespace is dropped only outside strings; valid JSON holds no raw control byte inside one,
    /// so what is left has no line break.
    public static func compact(_ record: some Collection<UInt8>) -> [UInt8]? {
        let bytes = Array(record)
        let parser = JSONParser()
        let valid = bytes.withUnsafeBytes { buffer in
            (try? parser.validate(buffer)) != nil
        }
        guard valid else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false
        var escaped = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                } else if byte >= 0x7F, let (scalar, length) = bytes.withUnsafeBufferPointer({
                    JSONWriter.escaped($0.baseAddress!, index, bytes.count)
                }) {
                    out.append(contentsOf: JSONWriter.unicodeEscape(scalar).utf8)
                    index += length
                    continue
                }
                out.append(byte)
            } else if byte == UInt8(ascii: " ") || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                // Insignificant whitespace between tokens.
            } else {
                if byte == UInt8(ascii: "\"") { inString = true }
                out.append(byte)
            }
            index += 1
        }
        return out
    }
}
