import Foundation
import KeywatchCore

/// Where tailing stands in one file: its identity and the offset up to which its events are
/// committed. Saved in the same transaction as those events, so a restart resumes exactly there.
public struct TailedFileRecord: Sendable, Equatable {
    /// Assigned by the tailer; stable while the file is known.
    public var id: Int64
    /// Where the file was last seen (a renamed file keeps its record).
    public var path: String
    public var device: UInt64
    public var inode: UInt64
    /// SHA-256 of the file's first ``fingerprintLength`` bytes: tells a reused inode from the file.
    public var fingerprint: [UInt8]
    public var fingerprintLength: Int
    /// Bytes consumed: every record before it is committed.
    public var offset: Int64
    /// SHA-256 of the bytes just before ``offset``: tells a file rewritten in place from the one read.
    public var guardHash: [UInt8]?
    /// A compressed file read to its end, never to be read again.
    public var complete: Bool

    public init(id: Int64, path: String, device: UInt64, inode: UInt64, fingerprint: [UInt8], fingerprintLength: Int,
                offset: Int64, guardHash: [UInt8]?, complete: Bool) {
        self.id = id
        self.path = path
        self.device = device
        self.inode = inode
        self.fingerprint = fingerprint
        self.fingerprintLength = fingerprintLength
        self.offset = offset
        self.guardHash = guardHash
        self.complete = complete
    }
}

/// A change to the tailing records, committed with a batch.
public enum TailedFileChange: Sendable, Equatable {
    case save(TailedFileRecord)
    /// The file is gone and was read to its end.
    case forget(id: Int64)
}

extension EventStore {
    /// Every tailed file the store knows.
    public func tailedFiles() throws(StoreError) -> [TailedFileRecord] {
        do {
            let select = try connection.prepare("""
                SELECT id, path, device, inode, fingerprint, fingerprint_length, offset, guard_hash, complete
                FROM tailed_files ORDER BY id
                """)
            var records: [TailedFileRecord] = []
            while try select.step() {
                records.append(TailedFileRecord(
                    id: select.int64(0), path: select.text(1) ?? "", device: UInt64(bitPattern: select.int64(2)),
                    inode: UInt64(bitPattern: select.int64(3)), fingerprint: select.blob(4),
                    fingerprintLength: Int(select.int64(5)), offset: select.int64(6),
                    guardHash: select.isNull(7) ? nil : select.blob(7), complete: select.int64(8) != 0))
            }
            return records
        } catch {
            throw StoreError(error)
        }
    }

    /// Applies tailing changes inside the current transaction.
    public func apply(_ changes: [TailedFileChange], at now: Timestamp) throws(StoreError) {
        guard !changes.isEmpty else { return }
        do {
            let save = try connection.prepare("""
                INSERT OR REPLACE INTO tailed_files(id, path, device, inode, fingerprint, fingerprint_length, offset,
                    guard_hash, complete, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                """)
            let forget = try connection.prepare("DELETE FROM tailed_files WHERE id = ?1")
            for change in changes {
                switch change {
                case .save(let record):
                    try save.run([.integer(record.id), .text(record.path), .integer(Int64(bitPattern: record.device)),
                                  .integer(Int64(bitPattern: record.inode)), .blob(record.fingerprint),
                                  .integer(Int64(record.fingerprintLength)), .integer(record.offset),
                                  record.guardHash.map { .blob($0) } ?? .null, .integer(record.complete ? 1 : 0),
                                  .integer(now.microseconds)])
                case .forget(let id):
                    try forget.run([.integer(id)])
                }
            }
        } catch {
            throw StoreError(error)
        }
    }
}
