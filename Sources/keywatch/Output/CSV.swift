import KeywatchCore

/// CSV for spreadsheets and scripts, every cell made safe first: log fields are
/// attacker-controlled, and a field that forges a row, starts a formula or carries a control
/// byte would deceive or attack whoever opens the file.
///
/// - Control characters (C0 — CR, LF, tab and NUL among them —, DEL, C1, the Unicode line
///   separators and bidirectional overrides) are written as the visible escapes of table output
///   (`\x0d`, `\u{202e}`): every record is one line, whatever its fields held.
/// - A cell a spreadsheet would run as a formula — it begins with `=`, `+`, `-`, `@`, tab or CR
///   (OWASP, CSV injection) — gets a leading `'`; a plain number (`-5`, `-1.5e3`) is left as it is.
/// - RFC 4180: a cell with a comma, a double quote, CR or LF is quoted, its double quotes doubled.
///   Records end with LF, as Unix tools expect (spreadsheets read both).
enum CSV {
    static func line(_ cells: [String?]) -> String {
        cells.map { $0.map(cell) ?? "" }.joined(separator: ",")
    }

    static func cell(_ value: String) -> String {
        var text = TerminalText.escape(value)
        if startsFormula(value) && !isPlainNumber(value) { text = "'" + text }
        // On the bytes: "\r\n" is one Character, so a search for "\n" among Characters misses it.
        if text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }) {
            var quoted = "\""
            for scalar in text.unicodeScalars {
                if scalar == "\"" { quoted += "\"" }
                quoted.unicodeScalars.append(scalar)
            }
            return quoted + "\""
        }
        return text
    }

    private static func startsFormula(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return false }
        return [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains(first)
    }

    /// `-?digits(.digits)?(e[+-]?digits)?`: what a spreadsheet reads as a number, never a formula.
    static func isPlainNumber(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        func digits() -> Bool {
            let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(count)
            return count > 0
        }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard digits() else { return false }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits() else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() else { return false }
        }
        return bytes.isEmpty
    }
}
