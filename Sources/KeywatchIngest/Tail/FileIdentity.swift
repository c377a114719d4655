import Crypto
import Foundation

/// What `stat` says about a path: enough to know a file again after a rename, to see it grow,
/// and to see it touched in any way (its change time moves on writes, truncation and `chmod`).
struct FileStatus: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Double
    var changed: Double
    var isRegularFile: Bool
    var isDirectory: Bool
    var isSymbolicLink: Bool

    init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        modified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
        changed = Double(status.st_ctim.tv_sec) + Double(status.st_ctim.tv_nsec) / 1e9
        isRegularFile = (status.st_mode & S_IFMT) == S_IFREG
        isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
        isSymbolicLink = (status.st_mode & S_IFMT) == S_IFLNK
    }

    /// The status of `name` in the directory open as `directory` (`AT_FDCWD`: a path from the
    /// working directory); of a link itself unless `followingLinks`. Nil when it does not exist.
    init?(at directory: Int32 = AT_FDCWD, _ name: String, followingLinks: Bool) {
        var status = stat()
        guard fstatat(directory, name, &status, followingLinks ? 0 : AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        self.init(status)
    }

    /// The status of an open file.
    init?(descriptor: Int32) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        self.init(status)
    }

    var identity: FileKey { FileKey(device: device, inode: inode) }
}

/// A file's identity on this machine while it exists: device and inode.
struct FileKey: Hashable {
    var device: UInt64
    var inode: UInt64
}

/// Hashes of a file's bytes that tell whether it is still the file that was read.
enum FileFingerprint {
    /// The head hashed to know a file again: a reused inode holds other bytes.
    static let headBytes = 1024
    /// The bytes before a saved offset hashed to know a file was not rewritten in place.
    static let guardBytes = 256

    /// SHA-256 of `count` bytes at `offset`; nil when fewer could be read.
    static func hash(descriptor: Int32, offset: Int64, count: Int) -> [UInt8]? {
        guard count > 0 else { return Array(SHA256.hash(data: [UInt8]())) }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            done += n
        }
        return Array(SHA256.hash(data: bytes))
    }

    /// The head fingerprint of a file of `size` bytes: (hash, length).
    static func head(descriptor: Int32, size: Int64) -> (hash: [UInt8], length: Int)? {
        let length = Int(min(size, Int64(headBytes)))
        return hash(descriptor: descriptor, offset: 0, count: length).map { ($0, length) }
    }

    /// The guard of a saved offset: the hash of the bytes just before it.
    static func guardHash(descriptor: Int32, before offset: Int64) -> [UInt8]? {
        let count = Int(min(offset, Int64(guardBytes)))
        return hash(descriptor: descriptor, offset: offset - Int64(count), count: count)
    }
}
