import Foundation
import Testing
import KeywatchTestSupport
@testable import KeywatchCore

/// Parses `text` and returns the error, or nil when it is valid.
func parseError(_ text: String) -> JSONError? {
    parseError(Array(text.utf8))
}

func parseError(_ bytes: [UInt8], maximumDepth: Int = 128) -> JSONError? {
    let parser = JSONParser(maximumDepth: maximumDepth)
    do {
        try bytes.withUnsafeBytes { try parser.validate($0) }
        return nil
    } catch let error as JSONError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

/// Parses `text` and hands its root to `body`.
func withJSON<T>(_ text: String, _ body: (JSONValue) throws -> T) throws -> T {
    let parser = JSONParser()
    return try Array(text.utf8).withUnsafeBytes { bytes in try parser.parse(bytes) { try body($0.root) } }
}

@Suite("JSON parser")
struct JSONParserTests {
    @Test("valid documents parse", arguments: [
        "{}", "[]", "0", "-0", "1.5e-3", "\"\"", "true", "false", "null", " \n\t{ \"a\" : [ 1 , 2 , {\"b\":null} ] } \r\n",
        "{\"a\":{\"b\":{\"c\":[[[]]]}}}", "\"\\u00e9\\ud83d\\ude00\\n\\\"\"", "[1e10,1E+2,-3.25e-7,0.5]", "\"héllo 😀\"",
    ])
    func valid(_ text: String) {
        #expect(parseError(text) == nil)
    }

    @Test("each kind of invalid input is rejected with its reason")
    func invalidInputs() {
        #expect(parseError("")?.kind == .empty)
        #expect(parseError("   ")?.kind == .empty)
        #expect(parseError("{\"a\":1")?.kind == .unexpectedEnd)
        #expect(parseError("{\"a\":\"unterminated")?.kind == .unexpectedEnd)
        #expect(parseError("[1,2,]")?.kind == .unexpectedByte(UInt8(ascii: "]")))
        #expect(parseError("{\"a\" 1}")?.kind == .unexpectedByte(UInt8(ascii: "1")))
        #expect(parseError("{a:1}")?.kind == .unexpectedByte(UInt8(ascii: "a")))
        #expect(parseError("\"tab\there\"")?.kind == .controlCharacterInString(0x09))
        #expect(parseError([0x22, 0x61, 0x00, 0x62, 0x22])?.kind == .controlCharacterInString(0))
        #expect(parseError([0x7B, 0x00, 0x7D])?.kind == .unexpectedByte(0))
        #expect(parseError("\"bad \\x escape\"")?.kind == .invalidEscape)
        #expect(parseError("\"\\u12g4\"")?.kind == .invalidUnicodeEscape)
        #expect(parseError("\"\\ud800\"")?.kind == .invalidUnicodeEscape)
        #expect(parseError("\"\\udc00\"")?.kind == .invalidUnicodeEscape)
        #expect(parseError("\"\\ud800\\u0041\"")?.kind == .invalidUnicodeEscape)
        #expect(parseError("01")?.kind == .trailingContent)
        #expect(parseError("1.")?.kind == .invalidNumber)
        #expect(parseError("-")?.kind == .invalidNumber)
        #expect(parseError("1e")?.kind == .invalidNumber)
        #expect(parseError("tru")?.kind == .invalidLiteral)
        #expect(parseError("nul1")?.kind == .invalidLiteral)
        #expect(parseError("{} {}")?.kind == .trailingContent)
    }

    /// Members of string values are read straight through (`"key":"value","next"`); wherever that
    /// pattern breaks off, the general way must take over with the same verdict and position.
    @Test("minified string members: every way the pattern breaks off is read or rejected as usual")
    func minifiedStringMembers() throws {
        let valid = [
            #"{"a":"b","c":"d"}"#, #"{"a":"b","c":1,"d":"e"}"#, #"{"a":"b" ,"c":"d"}"#, #"{"a" :"b","c": "d"}"#,
            #"{"a":{"b":"c","d":"e"},"f":"g"}"#, #"{"a\"":"b\\","c":"\u0041"}"#, #"{"a":"b","c":[],"d":{}}"#,
            #"[{"a":"b"},{"c":"d"}]"#, #"{"a":""}"#, #"{"":"","":""}"#,
        ]
        for text in valid { #expect(parseError(text) == nil, "\(text)") }
        let members = try withJSON(#"{"a":"b","c":1,"d":"e","f":{"g":"h"}}"#) { root in
            root.members.map { "\($0.key.string ?? "?")=\($0.value.string ?? "\($0.value.kind)")" }
        }
        #expect(members == ["a=b", "c=number", "d=e", "f=object"])
        let invalid: [(String, JSONError)] = [
            (#"{"a":"b",}"#, JSONError(.unexpectedByte(UInt8(ascii: "}")), at: 9)),
            (#"{"a":"b","c"}"#, JSONError(.unexpectedByte(UInt8(ascii: "}")), at: 12)),
            (#"{"a":"b","c":}"#, JSONError(.unexpectedByte(UInt8(ascii: "}")), at: 13)),
            (#"{"a":"b""c":"d"}"#, JSONError(.unexpectedByte(UInt8(ascii: "\"")), at: 8)),
            (#"{"a":"b",,"c":"d"}"#, JSONError(.unexpectedByte(UInt8(ascii: ",")), at: 9)),
            (#"{"a":"b"]"#, JSONError(.unexpectedByte(UInt8(ascii: "]")), at: 8)),
            (#"{"a":"b","#, JSONError(.unexpectedEnd, at: 9)),
            (#"{"a":"b""#, JSONError(.unexpectedEnd, at: 8)),
            (#"{"a":"#, JSONError(.unexpectedEnd, at: 5)),
            (#"{"a":"b"#, JSONError(.unexpectedEnd, at: 7)),
            (#"{"a":"b","c"#, JSONError(.unexpectedEnd, at: 11)),
        ]
        for (text, error) in invalid { #expect(parseError(text) == error, "\(text)") }
        #expect(parseError([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0x01, 0x22, 0x7D]) == JSONError(.controlCharacterInString(0x01), at: 6))
    }

    @Test("invalid UTF-8 is rejected: stray continuation, overlong, surrogate, past U+10FFFF, truncated", arguments: [
        [0x80], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
        [0xE2, 0x82], [0xFF],
    ] as [[UInt8]])
    func invalidUTF8(_ sequence: [UInt8]) {
        let error = parseError([0x22] + sequence + [0x22])
        #expect(error?.kind == .invalidUTF8)
        #expect(error?.offset == 1)
    }

    @Test("10,000 levels of nesting are rejected, not recursed into")
    func deepNesting() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 10_000) + Array(repeating: UInt8(ascii: "]"), count: 10_000)
        #expect(parseError(deep)?.kind == .tooDeep(limit: 128))
        let fine = Array(repeating: UInt8(ascii: "["), count: 128) + Array(repeating: UInt8(ascii: "]"), count: 128)
        #expect(parseError(fine) == nil)
    }

    @Test("errors say where and what")
    func errorDescription() {
        let error = parseError("{\"a\":\"x\u{1B}\"}")
        #expect(error?.offset == 7)
        #expect(error?.description == "invalid JSON at byte 7: unescaped control character byte 0x1B in a string")
    }

    @Test("strings decode escapes and keep UTF-8")
    func stringDecoding() throws {
        let decoded = try withJSON("{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00é\",\"p\":\"plain\"}") { root in
            (root["s"]?.string, root["p"]?.string)
        }
        #expect(decoded.0 == "a\"b\\c/d\u{8}\u{C}\n\r\té😀é")
        #expect(decoded.1 == "plain")
    }

    @Test("lookups, arrays, numbers, booleans and raw bytes")
    func navigation() throws {
        try withJSON(#"{"a":[10,"x",{"b":true}],"n":-42,"s":"403","f":false,"z":null,"a":"last"}"#) { root in
            #expect(root["a"]?.string == "last")  // the last of repeated keys wins
            #expect(root["n"]?.integer == -42)
            #expect(root["s"]?.integer == 403)
            #expect(root["f"]?.bool == false)
            #expect(root["z"]?.isNull == true)
            #expect(root["missing"] == nil)
            #expect(root.count == 6)
            #expect(String(decoding: root["n"]!.sourceBytes, as: UTF8.self) == "-42")
        }
        try withJSON(#"[10,"x",{"b":true},[1,2]]"#) { root in
            #expect(root[0]?.integer == 10)
            #expect(root[1]?.string == "x")
            #expect(root[2]?["b"]?.bool == true)
            #expect(String(decoding: root[3]!.sourceBytes, as: UTF8.self) == "[1,2]")
            #expect(root[4] == nil)
            #expect(root.elements.map(\.kind) == [.number, .string, .object, .array])
        }
    }

    @Test("a prefix parse reports where the first value ends")
    func prefix() throws {
        let parser = JSONParser()
        let bytes = Array(#"{"a":[1,2]} {"b":2}"#.utf8)
        let length = try bytes.withUnsafeBytes { try parser.parsePrefix($0) { _, length in length } }
        #expect(length == 11)
        #expect(throws: JSONError.self) { try Array(#"{"a":[1,2"#.utf8).withUnsafeBytes { try parser.parsePrefix($0) { _, n in n } } }
    }

    /// The scanner skips string contents sixteen and eight bytes at a time, then byte by byte near
    /// the end of the input; a byte that needs attention must be caught in every one of those lanes.
    @Test("a byte that needs attention is caught at every position of a string, up to the input's end")
    func specialByteAtEveryPosition() throws {
        for length in [7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40] {
            for position in 0..<length {
                func document(_ special: String) -> [UInt8] {
                    var contents = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    contents.replaceSubrange(position..<(position + 1), with: Array(special.utf8))
                    return [0x22] + contents + [0x22]
                }
                var control = document("a")
                control[position + 1] = 0x01
                #expect(parseError(control) == JSONError(.controlCharacterInString(0x01), at: position + 1))
                var invalid = document("a")
                invalid[position + 1] = 0xC3
                #expect(parseError(invalid) == JSONError(.invalidUTF8, at: position + 1))
                #expect(parseError(document("é")) == nil)
                #expect(parseError(document("\\x"))?.kind == .invalidEscape)
                #expect(parseError(document("\"")) == JSONError(.trailingContent, at: position + 2))
                #expect(parseError(Array(document("a").dropLast()))?.kind == .unexpectedEnd)
                let decoded = try withJSON(String(decoding: document("\\n"), as: UTF8.self)) { $0.string }
                #expect(decoded == String(repeating: "a", count: position) + "\n" + String(repeating: "a", count: length - position - 1))
            }
        }
    }

    /// Inside a long input the scanner finds the special bytes of 64 bytes at once and reuses them
    /// for the next strings (``SpecialByteWindow``): a string after another of every length starts
    /// at every offset of a window, and its special byte — at every position, across the window's
    /// end — must be found where it is, with nothing carried over from the string before.
    @Test("strings sharing a 64-byte window, or crossing into the next, end where they end")
    func stringsAcrossSpecialByteWindows() throws {
        let trailing = [UInt8](repeating: 0x20, count: 70)  // the input goes on past every window
        for padding in 0..<66 {
            for length in [1, 2, 30, 63, 64, 65, 130] {
                let positions = length <= 65 ? Array(0..<length) : [0, 1, 62, 63, 64, 65, 127, 128, 129]
                for position in positions {
                    func document(_ special: String) -> [UInt8] {
                        var contents = [UInt8](repeating: UInt8(ascii: "b"), count: length)
                        contents.replaceSubrange(position..<(position + 1), with: Array(special.utf8))
                        let pad = [UInt8](repeating: UInt8(ascii: "a"), count: padding)
                        return Array(#"[""#.utf8) + pad + Array(#"",""#.utf8) + contents + Array(#""]"#.utf8) + trailing
                    }
                    let contentsStart = padding + 5
                    var control = document("b")
                    control[contentsStart + position] = 0x1F
                    #expect(parseError(control) == JSONError(.controlCharacterInString(0x1F), at: contentsStart + position))
                    #expect(parseError(document("\"")) == JSONError(.unexpectedByte(UInt8(ascii: "b")), at: contentsStart + position + 1)
                        || position == length - 1)
                    let plain = String(repeating: "b", count: position)
                    let rest = String(repeating: "b", count: length - position - 1)
                    let decoded = try withJSON(String(decoding: document("\\\""), as: UTF8.self)) { root in
                        root.elements.map { $0.string }
                    }
                    #expect(decoded == [String(repeating: "a", count: padding), plain + "\"" + rest])
                    let accented = try withJSON(String(decoding: document("é"), as: UTF8.self)) { $0[1]?.string }
                    #expect(accented == plain + "é" + rest)
                }
            }
        }
    }

    /// Differential fuzzing: on thousands of random and mutated documents, our parser accepts
    /// exactly what Foundation's accepts — away from the corners where Foundation departs from
    /// RFC 8259 (found by this test): it accepts NUL bytes, trailing commas and unpaired surrogate
    /// escapes, and refuses numbers it cannot represent.
    @Test("agrees with JSONSerialization on random and mutated documents")
    func differentialFuzz() {
        var random = SplitMix64(seed: 0x5EED)
        var disagreements: [String] = []
        var compared = 0
        var rejected = 0
        for round in 0..<6000 {
            var bytes = Array(RandomJSON.document(&random).utf8)
            let mutations = round % 3
            for _ in 0..<mutations { RandomJSON.mutate(&bytes, &random) }
            if RandomJSON.hasFoundationLeniency(bytes) { continue }
            compared += 1
            let ours = parseError(bytes) == nil
            if !ours { rejected += 1 }
            let theirs = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            if ours != theirs {
                disagreements.append("ours \(ours), Foundation \(theirs): \(String(decoding: bytes.prefix(120), as: UTF8.self))")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        #expect(compared > 4000, "most cases are compared, not skipped")
        #expect(rejected > 1000 && rejected < compared - 1000, "both valid and invalid inputs are exercised")
    }
}

enum RandomJSON {
    static func document(_ random: inout SplitMix64, depth: Int = 0) -> String {
        switch Int.random(in: 0..<(depth > 3 ? 4 : 7), using: &random) {
        case 0: return ["true", "false", "null"].randomElement(using: &random)!
        case 1: return ["0", "-1", "3.25", "1e5", "-0.5E-3", "123456789"].randomElement(using: &random)!
        case 2, 3: return string(&random)
        case 4: return "[" + (0..<Int.random(in: 0...3, using: &random)).map { _ in document(&random, depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            let members = (0..<Int.random(in: 0...4, using: &random)).map { _ in string(&random) + ":" + document(&random, depth: depth + 1) }
            return "{" + members.joined(separator: ",") + "}"
        }
    }

    static func string(_ random: inout SplitMix64) -> String {
        let pieces = ["a", "eventName", " ", "é", "😀", "\\n", "\\\"", "\\\\", "\\u0041", "\\u00e9", "/", "\\/", "arn:aws:kms"]
        return "\"" + (0..<Int.random(in: 0...4, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined() + "\""
    }

    static func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix64) {
        guard !bytes.isEmpty else { return }
        let position = Int.random(in: 0..<bytes.count, using: &random)
        let interesting: [UInt8] = [0x00, 0x09, 0x0A, 0x22, 0x2C, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x80, 0xC3, 0xE2, 0xF0, 0xFF, 0x31, 0x2D, 0x65, 0x2E]
        switch Int.random(in: 0..<4, using: &random) {
        case 0: bytes[position] = interesting.randomElement(using: &random)!
        case 1: bytes.insert(interesting.randomElement(using: &random)!, at: position)
        case 2: bytes.remove(at: position)
        default: bytes.removeSubrange(position...)  // truncate
        }
    }

    /// Inputs where Foundation knowingly departs from RFC 8259 + Unicode.
    static func hasFoundationLeniency(_ bytes: [UInt8]) -> Bool {
        if bytes.contains(0) { return true }
        let text = String(decoding: bytes, as: UTF8.self).lowercased()
        if ["\\ud8", "\\ud9", "\\uda", "\\udb", "\\udc", "\\udd", "\\ude", "\\udf"].contains(where: text.contains) { return true }
        // A trailing comma: ',' then whitespace then a closing bracket.
        var lastSignificant: UInt8 = 0
        for byte in bytes {
            if (byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")) && lastSignificant == UInt8(ascii: ",") { return true }
            if byte != 0x20 && byte != 0x0A && byte != 0x09 && byte != 0x0D { lastSignificant = byte }
        }
        // A number too large for a Double: an exponent of three or more digits, or many digits.
        var digitsInRun = 0
        var afterExponent = false
        for byte in bytes {
            if byte.isASCIIDigit {
                digitsInRun += 1
                if afterExponent && digitsInRun >= 3 || digitsInRun >= 16 { return true }
            } else {
                afterExponent = (byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || (afterExponent && (byte == 0x2B || byte == 0x2D)))
                digitsInRun = 0
            }
        }
        return false
    }
}
