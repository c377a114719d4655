/// How a text field is kept in a PostgreSQL `text` column, which cannot hold a NUL character.
///
/// Every field of a record is the attacker's, and JSON's `\u0000` puts a NUL into any of them; the
/// SQLite store keeps it, so this store must too, exactly. A NUL is written as U+FFFE followed by
/// `0`, and U+FFFE itself as U+FFFE twice. U+FFFE is a Unicode noncharacter, which no log writes,
/// so every real value is stored as it is and reads as it is in SQL; the mapping is one-to-one, so
/// equality (dedup on the key, a query for a principal) holds between encoded values as between
/// the originals — a query encodes its argument with ``encode(_:)`` and compares.
///
/// ```swift
/// PostgresText.encode("a\u{0}b")                          // "a\u{FFFE}0b"
/// PostgresText.decode(PostgresText.encode("a\u{0}b"))     // "a\u{0}b"
/// ```
public enum PostgresText {
    /// The escape: U+FFFE, a noncharacter.
    static let escape: Unicode.Scalar = "\u{FFFE}"
    /// U+FFFE in UTF-8.
    static let escapeBytes: [UInt8] = [0xEF, 0xBF, 0xBE]

    /// `value` as it is stored.
    public static func encode(_ value: String) -> String {
        guard needsEncoding(value.utf8) else { return value }
        var scalars = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\u{0}": scalars.append(escape); scalars.append("0")
            case escape: scalars.append(escape); scalars.append(escape)
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// The value a stored text stands for (the inverse of ``encode(_:)``). A lone or unknown escape,
    /// which ``encode(_:)`` never writes, is kept as it is.
    public static func decode(_ stored: String) -> String {
        guard stored.unicodeScalars.contains(escape) else { return stored }
        var scalars = String.UnicodeScalarView()
        var pending = false
        for scalar in stored.unicodeScalars {
            if pending {
                pending = false
                switch scalar {
                case "0": scalars.append("\u{0}")
                case escape: scalars.append(escape)
                default: scalars.append(escape); scalars.append(scalar)
                }
            } else if scalar == escape {
                pending = true
            } else {
                scalars.append(scalar)
            }
        }
        if pending { scalars.append(escape) }
        return String(scalars)
    }

    /// Whether UTF-8 `bytes` hold a NUL or U+FFFE, the two characters ``encode(_:)`` changes.
    @inline(__always)
    static func needsEncoding(_ bytes: some Sequence<UInt8>) -> Bool {
        var sawEF = false, sawBF = false
        for byte in bytes {
            if byte == 0 { return true }
            if sawBF && byte == 0xBE { return true }
            sawBF = sawEF && byte == 0xBF
            sawEF = byte == 0xEF
        }
        return false
    }
}
