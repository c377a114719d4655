/// Text for a terminal, made safe: log fields are attacker-controlled, and a raw ESC, CR, BEL or
/// C1 control in a field could rewrite what an investigator sees (or worse, drive their terminal).
public enum TerminalText {
    /// Replaces every control character (C0, DEL, C1) and the Unicode line and paragraph separators
    /// and bidirectional overrides with a visible escape such as `\x1b` or `\u{202e}`.
    public static func escape(_ text: String) -> String {
        // Printable ASCII, the common case, is settled on the bytes.
        var text = text
        if text.withUTF8({ $0.allSatisfy { $0 &- 0x20 < 0x5F } }) { return text }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                if scalar.value < 0x100 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x2028, 0x2029: return true                    // line and paragraph separators
        case 0x202A...0x202E, 0x2066...0x2069: return true  // bidirectional embeddings, overrides, isolates
        default: return false
        }
    }
}
