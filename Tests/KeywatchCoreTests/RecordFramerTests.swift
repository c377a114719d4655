import Testing
@testable import KeywatchCore

/// What a framer produced, as plain values.
enum Framed: Equatable, CustomStringConvertible {
    case record(String, offset: Int64, RecordFramer.Container)
    case problem(offset: Int64, String)

    var description: String {
        switch self {
        case .record(let text, let offset, let container): return "record@\(offset) \(container): \(text)"
        case .problem(let offset, let reason): return "problem@\(offset): \(reason)"
        }
    }

    var text: String? {
        if case .record(let text, _, _) = self { return text }
        return nil
    }
}

/// Frames `bytes` written `chunk` bytes at a time (0 = all at once), with the closure API.
func frame(_ bytes: [UInt8], chunk: Int = 0, maximumRecordBytes: Int = 1 << 20) -> [Framed] {
    let framer = RecordFramer(maximumRecordBytes: maximumRecordBytes)
    var out: [Framed] = []
    let collect: (RecordFramer.Output) -> Void = { output in
        switch output {
        case .record(let record):
            out.append(.record(String(decoding: record.bytes, as: UTF8.self), offset: record.offset, record.container))
        case .problem(let problem):
            out.append(.problem(offset: problem.offset, problem.reason))
        }
    }
    let size = chunk == 0 ? max(bytes.count, 1) : chunk
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + size)
        bytes[start..<end].withUnsafeBytes { framer.write($0) }
        framer.drain(collect)
        start = end
    }
    framer.finish(collect)
    return out
}

func frame(_ text: String, chunk: Int = 0, maximumRecordBytes: Int = 1 << 20) -> [Framed] {
    frame(Array(text.utf8), chunk: chunk, maximumRecordBytes: maximumRecordBytes)
}

@Suite("Record framer")
struct RecordFramerTests {
    @Test("JSON Lines: one record per line, offsets of their first bytes")
    func jsonLines() {
        let out = frame("{\"a\":1}\n{\"b\":2}\r\n\n  {\"c\":[1,{\"d\":\"}\"}]}\n")
        #expect(out == [
            .record("{\"a\":1}", offset: 0, .topLevel),
            .record("{\"b\":2}", offset: 8, .topLevel),
            .record("{\"c\":[1,{\"d\":\"}\"}]}", offset: 20, .topLevel),
        ])
    }

    @Test("wrapper objects stream their record arrays: Records, records, logEvents")
    func wrappers() {
        let out = frame(#"{"Records":[{"a":1},{"b":"]"}],"other":{"Records":[9]}}"#)
        #expect(out == [
            .record(#"{"a":1}"#, offset: 12, .wrapper(.capitalRecords, controlMessage: false)),
            .record(#"{"b":"]"}"#, offset: 20, .wrapper(.capitalRecords, controlMessage: false)),
        ])
        let pretty = frame("{\n  \"records\": [\n    {\n      \"x\": 1\n    },\n    {\"y\": 2}\n  ]\n}\n")
        #expect(pretty.compactMap(\.text) == ["{\n      \"x\": 1\n    }", "{\"y\": 2}"])
        let logs = frame(#"{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"1","message":"CWL CONTROL MESSAGE"}]}"#)
        #expect(logs == [.record(#"{"id":"1","message":"CWL CONTROL MESSAGE"}"#, offset: 46, .wrapper(.logEvents, controlMessage: true))])
    }

    @Test("a bare array's elements are records; a single object is one")
    func arraysAndSingles() {
        #expect(frame(#"[{"a":1}, {"b":2} ,"x", 7]"#).compactMap(\.text) == [#"{"a":1}"#, #"{"b":2}"#, "\"x\"", "7"])
        #expect(frame("{\n  \"eventSource\": \"kms.amazonaws.com\"\n}").compactMap(\.text) == ["{\n  \"eventSource\": \"kms.amazonaws.com\"\n}"])
        #expect(frame("").isEmpty)
        #expect(frame(" \n\t ").isEmpty)
    }

    @Test("the same records come out whatever the chunk size", arguments: [1, 2, 3, 7, 64])
    func chunking(_ chunk: Int) {
        let inputs = [
            #"{"Records":[{"a":"x\"y"},{"b":[1,2,{"c":null}]},{"d":"é😀"}]}"#,
            "{\"a\":1}\n{\"b\":\"broken\n{\"c\":3}\n",
            "\u{FEFF}[{\"a\":1},{\"b\":2}]",
            "{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{\"message\":\"{}\"}]}",
        ]
        for input in inputs {
            #expect(frame(input, chunk: chunk) == frame(input), "input: \(input)")
        }
    }

    /// Found by the input-decoding fuzzer: once a broken first line puts the framer in JSON Lines
    /// mode, a record decoded in place (the decoder's fast path) spanned the next newline when the
    /// bytes after it had already arrived, and was rejected as a truncated line when they had not:
    /// the same file gave an event or a reject depending on how it was read.
    @Test("in JSON Lines, an object across lines is rejected line by line however the input arrives", arguments: [0, 1, 2, 5, 40])
    func objectAcrossLinesAfterBrokenFirstLine(_ chunk: Int) {
        let record = keyVault()
        let split = record.replacingOccurrences(of: ",\"resultType\"", with: ",\n\"resultType\"")
        let input = "{\n" + split + "\n" + record + "\n"
        let batch = decode(Array(input.utf8), chunk: chunk)
        #expect(batch.rows.count == 1, "only the record on a line of its own")
        #expect(batch.rejects.map { $0.origin.offset } == [0, 2, 2 + Int64(split.utf8.count) - Int64(split.split(separator: "\n")[1].utf8.count)])
    }

    @Test("a byte-order mark is skipped")
    func byteOrderMark() {
        #expect(frame([0xEF, 0xBB, 0xBF] + Array("{\"a\":1}".utf8)) == [.record("{\"a\":1}", offset: 3, .topLevel)])
    }

    @Test("a truncated line in JSON Lines is rejected and the next line is read")
    func truncatedLines() {
        let middle = frame("{\"a\":1}\n{\"b\":\"unterminated\n{\"c\":3}\n{\"d\":[1,2\n{\"e\":5}\n")
        #expect(middle.compactMap(\.text) == ["{\"a\":1}", "{\"c\":3}", "{\"e\":5}"])
        #expect(middle.filter { if case .problem = $0 { return true } else { return false } }.count == 2)
        // The first line broken too: the grammar check sees an object where a key belongs.
        let first = frame("{\"a\":1,\n{\"b\":2}\n{\"c\":3}\n")
        #expect(first.compactMap(\.text) == ["{\"b\":2}", "{\"c\":3}"])
        #expect(first.first == .problem(offset: 0, "unexpected '{' where a key was expected"))
    }

    @Test("input that ends inside a record reports it truncated, after the records before it")
    func truncatedEnd() {
        let out = frame(#"{"Records":[{"a":1},{"b":2},{"c":"#)
        #expect(out.compactMap(\.text) == [#"{"a":1}"#, #"{"b":2}"#])
        #expect(out.last == .problem(offset: 28, "truncated record: the input ends inside it"))
    }

    @Test("a multi-line document with broken structure is reported once")
    func brokenDocument() {
        let out = frame("{\n \"Records\": [\n  {\"a\": 1},\n  {\"b\": [1}\n  ,{\"c\": 3}\n ]\n}\n")
        #expect(out.compactMap(\.text) == ["{\"a\": 1}"])
        #expect(out.count == 2)
        if case .problem(_, let reason) = out[1] {
            #expect(reason.contains("mismatched brackets"))
            #expect(reason.contains("the rest of the input cannot be framed"))
        } else {
            Issue.record("expected a problem, got \(out[1])")
        }
    }

    @Test("records over the limit are skipped without being held, their neighbours kept")
    func oversized() {
        let big = "{\"pad\":\"" + String(repeating: "x", count: 5000) + "\"}"
        let out = frame("{\"a\":1}\n" + big + "\n{\"b\":2}\n", chunk: 100, maximumRecordBytes: 1000)
        #expect(out.compactMap(\.text) == ["{\"a\":1}", "{\"b\":2}"])
        #expect(out[1] == .problem(offset: 8, "record larger than the 1000-byte limit; skipped"))
        // The same inside a record array.
        let wrapped = frame("{\"Records\":[{\"a\":1}," + big + ",{\"b\":2}]}", chunk: 100, maximumRecordBytes: 1000)
        #expect(wrapped.compactMap(\.text) == ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test("a 50 MB line is skipped with bounded memory")
    func fiftyMegabyteLine() {
        let framer = RecordFramer(maximumRecordBytes: 8 << 20)
        var out: [Framed] = []
        let collect: (RecordFramer.Output) -> Void = { output in
            if case .problem(let problem) = output { out.append(.problem(offset: problem.offset, problem.reason)) }
            if case .record(let record) = output { out.append(.record(String(decoding: record.bytes, as: UTF8.self), offset: record.offset, record.container)) }
        }
        let head = Array("{\"a\":1}\n{\"junk\":\"".utf8)
        head.withUnsafeBytes { framer.write($0) }
        framer.drain(collect)
        let chunk = [UInt8](repeating: UInt8(ascii: "z"), count: 1 << 20)
        for _ in 0..<50 {
            chunk.withUnsafeBytes { framer.write($0) }
            framer.drain(collect)
            #expect(framer.bufferCapacity <= 16 << 20, "memory stays bounded")
        }
        Array("\"}\n{\"b\":2}\n".utf8).withUnsafeBytes { framer.write($0) }
        framer.drain(collect)
        framer.finish(collect)
        #expect(out.compactMap(\.text) == ["{\"a\":1}", "{\"b\":2}"])
        #expect(out.count == 3)
    }

    @Test("a line that is not JSON is one bad record; NUL bytes do not confuse the framing")
    func garbage() {
        let out = frame("not json at all\n{\"a\":\"x\u{0}y\"}\n\u{0}\u{0}\n{\"b\":1}\n")
        #expect(out.compactMap(\.text) == ["not json at all", "{\"a\":\"x\u{0}y\"}", "\u{0}\u{0}", "{\"b\":1}"])
    }

    @Test("nesting beyond the checked depth is still framed (the parser rejects it)")
    func deepNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let out = frame("{\"a\":1}\n{\"deep\":" + deep + "}\n{\"b\":2}\n")
        #expect(out.compactMap(\.text).count == 3)
        #expect(out.compactMap(\.text).last == "{\"b\":2}")
    }
}
