/// Why a record is not valid JSON, and where.
///
/// Every field of a log record is attacker-controlled, so the parser rejects anything RFC 8259 does
/// not allow — and invalid UTF-8, which it does not allow either — with a reason a user can act on.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Equatable, Sendable {
        case empty
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case controlCharacterInString(UInt8)
        case invalidEscape
        case invalidUnicodeEscape
        case invalidUTF8
        case invalidNumber
        case invalidLiteral
        case tooDeep(limit: Int)
        case trailingContent
    }

    public var kind: Kind
    /// Byte offset of the problem within the record.
    public var offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch kind {
        case .empty: what = "empty record"
        case .unexpectedEnd: what = "truncated JSON (input ends inside a value)"
        case .unexpectedByte(let byte): what = "unexpected \(JSONError.describe(byte))"
        case .controlCharacterInString(let byte): what = "unescaped control character \(JSONError.describe(byte)) in a string"
        case .invalidEscape: what = "invalid escape sequence in a string"
        case .invalidUnicodeEscape: what = "invalid \\u escape (not hex, or an unpaired surrogate)"
        case .invalidUTF8: what = "invalid UTF-8"
        case .invalidNumber: what = "invalid number"
        case .invalidLiteral: what = "invalid literal (expected true, false or null)"
        case .tooDeep(let limit): what = "nesting deeper than \(limit) levels"
        case .trailingContent: what = "content after the end of the JSON value"
        }
        return "invalid JSON at byte \(offset): \(what)"
    }

    static func describe(_ byte: UInt8) -> String {
        switch byte {
        case 0: return "NUL byte"
        case 0x20...0x7E: return "character '\(Character(Unicode.Scalar(byte)))'"
        default: return "byte 0x" + String(byte, radix: 16, uppercase: true)
        }
    }
}
