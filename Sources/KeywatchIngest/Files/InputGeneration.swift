import Crypto
import Foundation
import KeywatchCore

/// Which of the files a path names over time a record was read from: a hash of the file's inode
/// and of its first kilobyte (``FileFingerprint``).
///
/// A rotated file's successor, or a file truncated and written again, can have a bad record at
/// the same offset as its predecessor; both are rejects. The very same file read again (a second
/// `keywatch ingest`) has the same generation, so its rejects are stored once. The device number
/// is left out: it can change across reboots while the file does not.
enum InputGeneration {
    /// The generation of the file with this inode and head fingerprint (never 0, which means unknown).
    static func of(inode: UInt64, head: [UInt8]) -> Int64 {
        var hasher = SHA256()
        withUnsafeBytes(of: inode.littleEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: head)
        let value = hasher.finalize().withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
        return value == 0 ? 1 : value
    }

    /// The generation of an open file; nil when it cannot be read.
    static func of(descriptor: Int32) -> Int64? {
        guard let status = FileStatus(descriptor: descriptor),
              let head = FileFingerprint.head(descriptor: descriptor, size: status.size) else { return nil }
        return of(inode: status.inode, head: head.hash)
    }
}

extension EventBatch {
    /// Gives the rejects of `input` at the end of the batch that have no generation yet the one
    /// `generation` computes (only when there are some: it may read the file).
    mutating func stampRejects(of input: String, generation: () -> Int64?) {
        var index = rejects.endIndex
        while index > rejects.startIndex, rejects[index - 1].inputGeneration == 0, rejects[index - 1].origin.input == input {
            index -= 1
        }
        guard index < rejects.endIndex, let value = generation() else { return }
        for position in index..<rejects.endIndex { rejects[position].inputGeneration = value }
    }
}
