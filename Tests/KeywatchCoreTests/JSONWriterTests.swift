import Foundation
import Testing
@testable import KeywatchCore

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("strings are escaped exactly: quotes, backslashes, control characters, DEL, C1 controls, U+2028 and U+2029, bidirectional controls; the rest is copied")
    func escapes() throws {
        let hostile = "a\"b\\c\n\r\t\u{1}\u{1F}\u{7F}é\u{2028}x\u{2029}\u{2027}\u{202A}\u{202E}\u{2066}\u{2069}\u{206A}😀\u{1b}[31m\u{9B}31m\u{80}\u{9F}\u{A0}"
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("k\"ey", hostile)
        writer.endObject()
        #expect(writer.string == #"{"k\"ey":"a\"b\\c\n\r\t\u0001\u001f\u007fé\u2028x\u2029\#u{2027}\u202a\u202e\u2066\u2069\#u{206A}😀\u001b[31m\u009b31m\u0080\u009f\#u{A0}"}"#)
        // What a standard parser reads back is the original text.
        let decoded = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: String]
        #expect(decoded == ["k\"ey": hostile])
    }

    @Test("a byte that needs escaping is found wherever it falls in the words the writer scans")
    func escapesAtEveryOffset() throws {
        for special in ["\"", "\\", "\n", "\u{1}", "\u{7F}", "é", "\u{2028}", "\u{2029}"] {
            for padding in 0..<18 {
                let text = String(repeating: "a", count: padding) + special + String(repeating: "b", count: padding % 9)
                var writer = JSONWriter()
                writer.value(text)
                let decoded = try JSONSerialization.jsonObject(with: Data(writer.bytes), options: .fragmentsAllowed) as? String
                #expect(decoded == text, "\(special.unicodeScalars.map { $0.value }) after \(padding) bytes")
                let unescaped = writer.bytes.enumerated().contains { index, byte in
                    byte < 0x20 || byte == 0x7F
                        || (byte == 0xE2 && index + 2 < writer.bytes.count && writer.bytes[index + 1] == 0x80
                            && (writer.bytes[index + 2] == 0xA8 || writer.bytes[index + 2] == 0xA9))
                }
                #expect(!unescaped, "\(special.unicodeScalars.map { $0.value }) after \(padding) bytes")
            }
        }
    }

    @Test("an escape at the very end, and a truncated-looking E2 sequence, are handled")
    func edges() {
        var writer = JSONWriter()
        writer.value("\u{2028}")
        #expect(writer.string == #""\u2028""#)
        var other = JSONWriter()
        other.value("\u{2000}\"")
        #expect(other.string == "\"\u{2000}\\\"\"")
    }
}
