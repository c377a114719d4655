import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchStore

@Suite("Rejects by file generation")
struct RejectGenerationTests {
    @Test("a store of schema 6 keeps its rejects; a reject is stored once per input, generation, offset and reason")
    func upgradeAndUniqueness() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("k.db")
        try storeOfSchema(6, at: path).execute("""
            INSERT INTO inputs(id, name) VALUES (1, 'file:/logs/app.json');
            INSERT INTO rejects(received, input_id, input_offset, reason, prefix) VALUES (1, 1, 0, 'bad', x'7B');
            """)
        let store = try EventStore(path: path)
        var bad = batch("{\"a\":1}\n", input: "file:/logs/app.json")
        #expect(bad.rejects.map(\.origin.offset) == [0])
        bad.rejects[0].inputGeneration = 7
        try store.write(PreparedBatch(batch: bad, compressor: RawBlockCompressor()))
        try store.write(PreparedBatch(batch: bad, compressor: RawBlockCompressor()))  // the same file read again
        bad.rejects[0].inputGeneration = 8
        try store.write(PreparedBatch(batch: bad, compressor: RawBlockCompressor()))  // its successor at the same path
        let rows = try ReadOnlySQL(path: path).run("SELECT input_generation FROM rejects ORDER BY id").rows
        #expect(rows == [[.integer(0)], [.integer(7)], [.integer(8)]])
    }
}
