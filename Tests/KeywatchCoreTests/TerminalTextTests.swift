import Testing
import KeywatchCore

/// Text from log fields reaches terminals: every byte a terminal acts on must come out as a
/// visible escape, and printable text must come out unchanged.
@Suite("Terminal text")
struct TerminalTextTests {
    @Test("printable ASCII, the edges included, is returned as it is")
    func printableIsUnchanged() {
        let printable = String(decoding: (0x20...0x7E).map { UInt8($0) }, as: UTF8.self)
        #expect(TerminalText.escape(printable) == printable)
        #expect(TerminalText.escape("") == "")
        #expect(TerminalText.escape("café – naïve") == "café – naïve")
    }

    @Test("control characters, DEL, C1, line separators and bidi overrides are escaped wherever they sit",
          arguments: ["\u{00}", "\u{07}", "\u{1B}", "\u{1F}", "\u{7F}", "\u{85}", "\u{9B}", "\u{2028}", "\u{2029}", "\u{202E}", "\u{2066}"])
    func terminalBytesAreEscaped(_ special: String) {
        for prefix in ["", "a", "long prefix of printable text "] {
            let escaped = TerminalText.escape(prefix + special + "z")
            #expect(escaped.hasPrefix(prefix) && escaped.hasSuffix("z"))
            #expect(!escaped.unicodeScalars.contains(where: TerminalText.needsEscape), "\(escaped)")
            #expect(escaped.count > prefix.count + 2)
        }
    }

    @Test("the escapes name the character")
    func escapesNameTheCharacter() {
        #expect(TerminalText.escape("a\u{1B}[2Jb") == "a\\x1b[2Jb")
        #expect(TerminalText.escape("\u{7F}") == "\\x7f")
        #expect(TerminalText.escape("x\u{202E}y") == "x\\u{202e}y")
    }
}
