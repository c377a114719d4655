import Foundation
import Testing
import KeywatchCore

/// A stored record re-written on one line for `query --format json --raw`.
@Suite("Compact JSON")
struct CompactJSONTests {
    @Test("a pretty-printed record becomes one line that reads back the same; terminal controls inside strings are escaped")
    func oneLine() throws {
        let record = "{\n  \"operation\" : \"Decrypt\u{9B}31m\u{202E}\",\n  \"n\" : [ 1, 2 ],\n  \"s\" : \"a b\\n\u{7F}\"\n}\n"
        let compact = try #require(CompactJSON.compact(Array(record.utf8)))
        let text = String(decoding: compact, as: UTF8.self)
        #expect(text == #"{"operation":"Decrypt\u009b31m\u202e","n":[1,2],"s":"a b\n\u007f"}"#)
        let original = try JSONSerialization.jsonObject(with: Data(record.utf8)) as? NSDictionary
        let reread = try JSONSerialization.jsonObject(with: Data(compact)) as? NSDictionary
        #expect(original == reread)
    }

    @Test("what is not one JSON value is not compacted")
    func notJSON() {
        #expect(CompactJSON.compact(Array("{\"a\": 1".utf8)) == nil)
        #expect(CompactJSON.compact(Array("{} {}".utf8)) == nil)
    }
}
