import Foundation

/// Why a store cannot be written, asked of the file system: SQLite says "attempt to write a
/// readonly database" or "unable to open database file" whether the directory, the file or
/// the file system is at fault, and a user needs to know which.
enum StoreFileAccess {
    /// The problem with writing the store `file` (and the `-wal` and `-shm` files SQLite keeps
    /// beside it, even for reading), or nil when the file system finds none.
    static func problem(writing file: String) -> String? {
        let directory = (file as NSString).deletingLastPathComponent
        let name = (file as NSString).lastPathComponent
        let sidecars = "keywatch needs to create \(name)-wal and \(name)-shm there, beside the store \(name), even to read it"
        if let why = refusal(directory) {
            switch why {
            case ENOENT: return "the directory \(directory) does not exist"
            case EROFS: return "the directory \(directory) is on a read-only file system, and \(sidecars)"
            default: return "the directory \(directory) is not writable by this user (uid \(getuid())), and \(sidecars)"
            }
        }
        for path in [file, file + "-wal", file + "-shm"] where FileManager.default.fileExists(atPath: path) {
            if let why = refusal(path) {
                return why == EROFS ? "\(path) is on a read-only file system" : "\(path) is not writable by this user (uid \(getuid()))"
            }
        }
        return nil
    }

    /// The `errno` of a refused write access to `path`, or nil when it may be written.
    private static func refusal(_ path: String) -> Int32? {
        access(path.isEmpty ? "." : path, W_OK) == 0 ? nil : errno
    }
}
