import Foundation
import Testing
import KeywatchTestSupport
import KeywatchCore
@testable import KeywatchIngest

/// Gzip files as the file decoder reads them: whole members through libdeflate when the file is
/// small enough, streamed through zlib otherwise or when a member does not inflate whole.
@Suite("Gzip files")
struct GzipFileTests {
    /// Decodes `path` with files up to `wholeLimit` bytes inflated whole.
    func decode(_ path: String, wholeLimit: Int) throws -> EventBatch {
        var batch = EventBatch()
        try decoder(wholeLimit: wholeLimit).decode(path: path, into: &batch, checkpoint: { _ in })
        return batch
    }

    /// A file decoder that inflates files up to `wholeLimit` bytes whole.
    func decoder(wholeLimit: Int) -> FileDecoder {
        FileDecoder(recordDecoder: RecordDecoder(inflate: GzipInflater.inflate), wholeGzipLimit: wholeLimit)
    }

    func lines(_ range: Range<Int>) -> [UInt8] {
        Array(range.map { kvLine($0 % 60, secret: "s\($0)") }.joined(separator: "\n").utf8) + [0x0A]
    }

    @Test("several members and trailing zeros: whole and streamed reading store the same records")
    func membersWholeOrStreamed() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("m.json.gz", gzip(lines(0..<30)) + gzip(lines(30..<35)) + gzip(lines(35..<90)) + [0, 0, 0, 0])
        let whole = try decode(path, wholeLimit: 1 << 20)
        let streamed = try decode(path, wholeLimit: 0)
        #expect(whole.rows.count == 90)
        #expect(whole.rejects.isEmpty)
        #expect(whole.raw == streamed.raw)
        #expect(whole.rows.map(\.inputOffset) == streamed.rows.map(\.inputOffset))
    }

    @Test("a corrupt member after a good one: the good one's records kept, the offset of the damage named")
    func corruptSecondMember() throws {
        let directory = TemporaryDirectory()
        let first = gzip(lines(0..<20))
        var second = gzip(lines(20..<40))
        for index in 20..<40 { second[index] ^= 0xFF }
        let path = try directory.write("c.json.gz", first + second)
        for limit in [1 << 20, 0] {
            let batch = try decode(path, wholeLimit: limit)
            #expect(batch.rows.count == 20, "limit \(limit)")
            #expect(batch.rejects.count == 1)
            let reason = batch.rejects.first?.reason ?? ""
            #expect(reason.hasPrefix("corrupt gzip data at compressed byte"))
            let offset = Int(reason.split(separator: " ")[6].trimmingCharacters(in: .punctuationCharacters)) ?? 0
            #expect(offset >= first.count, "the offset counts from the start of the file: \(reason)")
        }
    }

    @Test("a member bigger than the whole-member output limit streams, and is read entirely")
    func memberBiggerThanTheLimit() throws {
        let directory = TemporaryDirectory()
        let bytes = lines(0..<4000)
        #expect(bytes.count > 1 << 20)
        let path = try directory.write("big.json.gz", gzip(bytes))
        let members = GzipMemberInflater(outputLimit: 1 << 20)
        let member = try Data(contentsOf: URL(fileURLWithPath: path)).withUnsafeBytes { members.inflateMember($0) }
        #expect(member == nil, "too big for a 1 MiB limit")
        #expect(try decode(path, wholeLimit: 1 << 30).rows.count == 4000)
    }

    @Test("a file that inflates many times over is handed off in batches as they fill, inflated whole or streamed")
    func batchesFillAsTheFileInflates() throws {
        let directory = TemporaryDirectory()
        let bytes = lines(0..<8000)
        let compressed = gzip(bytes)
        #expect(compressed.count < 256 << 10, "the whole file is one piece of compressed input")
        let path = try directory.write("dense.json.gz", compressed)
        let recordsPerPiece = (256 << 10) / (bytes.count / 8000) + 1
        for limit in [1 << 30, 0] {
            let decoder = self.decoder(wholeLimit: limit)
            var batch = EventBatch()
            var handedOff: [Int] = []
            try decoder.decode(path: path, into: &batch, checkpoint: { batch in
                if batch.rows.count >= 500 {
                    handedOff.append(batch.rows.count)
                    batch = EventBatch()
                }
            })
            handedOff.append(batch.rows.count)
            #expect(handedOff.reduce(0, +) == 8000, "limit \(limit)")
            #expect(handedOff.count > 8, "limit \(limit): \(handedOff)")
            #expect(handedOff.allSatisfy { $0 < 500 + recordsPerPiece }, "limit \(limit): \(handedOff)")
        }
    }

    struct WriterStopped: Error {}

    @Test("a checkpoint that fails (the writer stopped) stops decoding with its error, inflated whole or streamed")
    func failedCheckpointStopsDecoding() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("dense.json.gz", gzip(lines(0..<8000)))
        for limit in [1 << 30, 0] {
            let decoder = self.decoder(wholeLimit: limit)
            var batch = EventBatch()
            #expect(throws: WriterStopped.self, "limit \(limit)") {
                try decoder.decode(path: path, into: &batch, checkpoint: { batch in
                    if batch.rows.count >= 500 { throw WriterStopped() }
                })
            }
            #expect(batch.rows.count < 8000, "limit \(limit)")
            #expect(batch.rejects.isEmpty, "a failed checkpoint is not a bad record")
        }
    }
}
