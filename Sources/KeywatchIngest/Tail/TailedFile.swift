import Foundation
import KeywatchCore
import KeywatchStore

/// One file the tailer follows: its committed-to-be record and, for a plain file, the open
/// descriptor and the decoder that continues where the last read stopped.
///
/// A plain file (Key Vault's `PT1H.json`, appended all hour) is read as it grows; a record cut
/// by the end of the file waits in the decoder for the rest. Its saved offset only moves to
/// points between whole top-level values, so a restart resumes at a record's first byte. A gzip
/// file is read once, whole, when its last member's trailer is there (or it has not changed
/// for a while: a truncated file then has its tail rejected), and never again.
final class TailedFile {
    enum Kind { case plain, gzip }

    private(set) var record: TailedFileRecord
    private(set) var descriptor: Int32 = -1
    private var input: InputDecoder?
    /// Bytes handed to the decoder (at or past the saved offset).
    private(set) var readOffset: Int64
    private(set) var kind: Kind?
    /// The record changed since it was last handed to the writer.
    var dirty = false
    /// When the file last had new bytes.
    private(set) var lastGrowth = Date()
    /// The offset ``record``'s guard hash was computed for.
    private var guardOffset: Int64
    /// The size the last read found: what is behind is `sizeSeen - readOffset`.
    /// The last read found something else at the path (gone, renamed, replaced), not this file.
    private(set) var foundReplaced = false
    private(set) var sizeSeen: Int64 = 0
    /// The size and time of a gzip file found incomplete, not checked again until they change.
    private var incompleteGzip: (size: Int64, modified: Double)?
    /// The file's status when the last read caught up with it (or, for a file that could not be
    /// opened, its status then): while its status is the same, there is nothing new to read.
    private(set) var caughtUpAt: FileStatus?
    /// A record of an earlier run, not yet checked against the file.
    private var resumed: Bool
    /// Reached through a link (its root follows links): opened following them.
    var throughLink = false
    /// The tailed root it was found under (its index among the tailer's sources): the input its
    /// events come from.
    var root = 0
    /// Inotify reports every change to it, so it need not be looked at between rescans otherwise.
    var watched = false

    init(record: TailedFileRecord) {
        self.record = record
        readOffset = record.offset
        guardOffset = record.offset
        resumed = true
    }

    /// A file seen for the first time: nothing read yet.
    init(id: Int64, path: String, status: FileStatus) {
        record = TailedFileRecord(id: id, path: path, device: status.device, inode: status.inode, fingerprint: [],
                                  fingerprintLength: 0, offset: 0, guardHash: nil, complete: false)
        readOffset = 0
        guardOffset = 0
        resumed = false
        dirty = true
    }

    deinit { if descriptor >= 0 { Foundation.close(descriptor) } }

    var key: FileKey { FileKey(device: record.device, inode: record.inode) }
    var isOpen: Bool { descriptor >= 0 }

    /// The file was renamed (rotation by rename keeps the inode, and so the offset).
    func moved(to path: String) {
        record.path = path
        dirty = true
    }

    /// Whether a look at the file now would find nothing new: its status is the one the last read
    /// ended on, and it waits for no clock (a gzip file without its trailer settles with time).
    func isCaughtUp(at status: FileStatus) -> Bool {
        caughtUpAt == status && incompleteGzip == nil
    }

    /// Whether it may have something new: its status now differs from the one the last read ended on.
    /// A `stat`, or an `fstat` when it is open; nothing is opened or read.
    func mayHaveChanged() -> Bool {
        guard let caughtUpAt else { return true }
        let now = isOpen ? FileStatus(descriptor: descriptor) : FileStatus(record.path, followingLinks: throughLink)
        return now != caughtUpAt
    }

    /// Checks that a record saved by an earlier run still describes this file: same head, same
    /// bytes before the offset, not shorter. Otherwise the inode was reused or the file rewritten,
    /// and it is read from its start.
    private func verifyResumption(_ status: FileStatus) {
        resumed = false
        let sameHead = Int64(record.fingerprintLength) <= status.size
            && FileFingerprint.hash(descriptor: descriptor, offset: 0, count: record.fingerprintLength) == record.fingerprint
        let sameGuard = record.offset <= status.size
            && (record.guardHash == nil || FileFingerprint.guardHash(descriptor: descriptor, before: record.offset) == record.guardHash)
        if !(sameHead && sameGuard) { restart() }
    }

    /// The record to commit with the events read so far.
    func checkpoint() -> TailedFileRecord {
        if record.offset != guardOffset, isOpen {
            record.guardHash = record.offset > 0 ? FileFingerprint.guardHash(descriptor: descriptor, before: record.offset) : nil
            guardOffset = record.offset
        }
        dirty = false
        return record
    }

    /// Reads what is new, handing batches over through `checkpoint` as they fill.
    /// - Returns: whether bytes are left to read (the budget ran out).
    /// - Throws: ``FileReadError`` when the file cannot be opened or read (permissions, I/O).
    func read(into batch: inout EventBatch, decoder: RecordDecoder, files: FileDecoder, options: TailOptions,
              checkpoint: (inout EventBatch) throws -> Void) throws -> Bool {
        switch open() {
        case .opened: foundReplaced = false
        case .replaced:
            foundReplaced = true
            return false
        case .failed(let reason):
            caughtUpAt = FileStatus(record.path, followingLinks: throughLink)
            throw FileReadError(path: record.path, reason: reason)
        }
        guard let status = FileStatus(descriptor: descriptor) else { return false }
        if resumed { verifyResumption(status) }
        sizeSeen = status.size
        if kind == nil {
            guard status.size >= 2 else {
                caughtUpAt = status
                return false
            }
            var magic: [UInt8] = [0, 0]
            guard magic.withUnsafeMutableBytes({ pread(descriptor, $0.baseAddress, 2, 0) }) == 2 else { return false }
            kind = magic == [0x1F, 0x8B] ? .gzip : .plain
        }
        let more = switch kind! {
        case .gzip: try readGzip(status, files: files, options: options, into: &batch, checkpoint: checkpoint)
        case .plain: try readPlain(status, decoder: decoder, options: options, into: &batch, checkpoint: checkpoint)
        }
        caughtUpAt = more ? nil : status
        return more
    }

    /// The file is gone from the directory (deleted, or renamed out of the include patterns):
    /// what was written to it before that is read to the end, then it is forgotten.
    func readToEnd(into batch: inout EventBatch, decoder: RecordDecoder, files: FileDecoder, options: TailOptions,
                   checkpoint: (inout EventBatch) throws -> Void) throws {
        guard isOpen, kind == .plain, !record.complete else { return }
        var unlimited = options
        unlimited.readBudget = Int.max
        _ = try read(into: &batch, decoder: decoder, files: files, options: unlimited, checkpoint: checkpoint)
        guard let input else { return }
        input.finish(into: &batch)
        stampRejects(of: input, in: &batch)
    }

    func close() {
        if descriptor >= 0 { Foundation.close(descriptor) }
        descriptor = -1
        input = nil
        readOffset = record.offset
    }

    // MARK: - Plain files

    private func readPlain(_ status: FileStatus, decoder: RecordDecoder, options: TailOptions, into batch: inout EventBatch,
                           checkpoint: (inout EventBatch) throws -> Void) throws -> Bool {
        if record.complete { return false }  // not a JSON log
        guard status.size != readOffset else { return false }  // nothing new: no hashing on a quiet file
        if status.size < readOffset || !headUnchanged(status) {
            // Truncated (copytruncate) or rewritten in place: a new file under the same inode.
            restart()
        }
        updateFingerprint(status)
        guard status.size > readOffset else { return false }
        lastGrowth = Date()
        if input == nil {
            input = InputDecoder(input: "file:\(record.path)", recordsOffsets: true, requireJSON: true, decoder: decoder,
                                 startingAt: readOffset)
            lseek(descriptor, off_t(readOffset), SEEK_SET)
        }
        let input = input!
        var total = 0
        while total < options.readBudget {
            var failure: Int32 = 0
            let count = input.framer.write(upTo: options.chunkBytes) { buffer in
                while true {
                    let n = Foundation.read(descriptor, buffer.baseAddress, buffer.count)
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { failure = errno; return 0 }
                    return n
                }
            }
            if failure != 0 { throw FileReadError(path: record.path, reason: String(cString: strerror(failure))) }
            if count == 0 { break }
            total += count
            readOffset += Int64(count)
            input.drain(into: &batch)
            stampRejects(of: input, in: &batch)
            if input.beginsLikeJSON == false {
                // Not a JSON log (a README beside the logs): ignored from now on.
                record.complete = true
                record.offset = status.size
                dirty = true
                return false
            }
            if input.framer.isBetweenValues, input.framer.consumedOffset != record.offset {
                record.offset = input.framer.consumedOffset
                dirty = true
            }
            try checkpoint(&batch)
        }
        return total >= options.readBudget
    }

    /// Marks the rejects just read with the file they come from: another file at the same path
    /// (after rotation or truncation) may have a bad record at the same offset, and it is another reject.
    private func stampRejects(of input: InputDecoder, in batch: inout EventBatch) {
        batch.stampRejects(of: input.input) { [record] in
            InputGeneration.of(inode: record.inode, head: record.fingerprint)
        }
    }

    /// Whether the head the record knows still reads the same.
    private func headUnchanged(_ status: FileStatus) -> Bool {
        guard record.fingerprintLength > 0 else { return true }
        guard status.size >= Int64(record.fingerprintLength) else { return false }
        return FileFingerprint.hash(descriptor: descriptor, offset: 0, count: record.fingerprintLength) == record.fingerprint
    }

    /// A small file's fingerprint grows with it, up to ``FileFingerprint/headBytes``.
    private func updateFingerprint(_ status: FileStatus) {
        let wanted = Int(min(status.size, Int64(FileFingerprint.headBytes)))
        guard wanted > record.fingerprintLength, let head = FileFingerprint.head(descriptor: descriptor, size: status.size) else { return }
        record.fingerprint = head.hash
        record.fingerprintLength = head.length
        dirty = true
    }

    /// Starts the file over from its first byte.
    private func restart() {
        input = nil
        readOffset = 0
        record.offset = 0
        record.guardHash = nil
        guardOffset = 0
        record.complete = false
        record.fingerprint = []
        record.fingerprintLength = 0
        kind = nil
        dirty = true
    }

    // MARK: - Gzip files

    private func readGzip(_ status: FileStatus, files: FileDecoder, options: TailOptions, into batch: inout EventBatch,
                          checkpoint: (inout EventBatch) throws -> Void) throws -> Bool {
        if record.complete {
            if status.size == record.offset && headUnchanged(status) { return false }
            restart()  // rewritten: read it again (its events are deduplicated)
            kind = .gzip
        }
        let settled = Date().timeIntervalSince1970 - status.modified >= options.settleSeconds
        if !settled {
            if let incomplete = incompleteGzip, incomplete.size == status.size, incomplete.modified == status.modified { return false }
            if !GzipCompleteness.isComplete(descriptor: descriptor) {
                incompleteGzip = (status.size, status.modified)
                return false
            }
        }
        incompleteGzip = nil
        lastGrowth = Date()
        lseek(descriptor, 0, SEEK_SET)
        try files.decode(descriptor: descriptor, path: record.path, into: &batch, checkpoint: checkpoint)
        record.complete = true
        record.offset = status.size
        if let head = FileFingerprint.head(descriptor: descriptor, size: status.size) {
            record.fingerprint = head.hash
            record.fingerprintLength = head.length
        }
        record.guardHash = nil
        guardOffset = record.offset
        dirty = true
        close()
        return false
    }

    private enum Opening {
        case opened
        /// Something else is at the path now (gone, renamed, replaced): the next scan sorts it out.
        case replaced
        /// It is there but cannot be opened: why.
        case failed(String)
    }

    /// Opens the file at its path if it is still the regular file found by the scan. Non-blocking,
    /// so a path swapped for a FIFO cannot stop the tailer in `open` or `read`; not through a link
    /// unless the file was found through one (then the identity says it is still that file).
    private func open() -> Opening {
        if descriptor >= 0 { return .opened }
        let opened = Foundation.open(record.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (throughLink ? 0 : O_NOFOLLOW))
        guard opened >= 0 else {
            let code = errno
            if code == ENOENT || code == ELOOP || code == ENOTDIR { return .replaced }
            return .failed(String(cString: strerror(code)))
        }
        guard let status = FileStatus(descriptor: opened), status.isRegularFile, status.identity == key else {
            Foundation.close(opened)
            return .replaced
        }
        descriptor = opened
        return .opened
    }
}

/// Whether a gzip file is whole: every member ends with its trailer. A file still being
/// written ends inside a member.
enum GzipCompleteness {
    static func isComplete(descriptor: Int32) -> Bool {
        let inflater = GzipInflater()
        var input = [UInt8](repeating: 0, count: 1 << 20)
        var scratch = [UInt8](repeating: 0, count: 256 << 10)
        var offset: off_t = 0
        do {
            while true {
                let count = input.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                offset += off_t(count)
                try input.withUnsafeBytes { bytes in
                    try inflater.inflate(UnsafeRawBufferPointer(rebasing: bytes[0..<count])) { write in
                        _ = scratch.withUnsafeMutableBytes { write($0) }
                        return true
                    }
                }
            }
            try inflater.finish()
            return true
        } catch let error as GzipError {
            // Corrupt or a bomb: complete as far as waiting goes; reading it rejects it.
            return error.kind != .truncated
        } catch {
            return true
        }
    }
}
