import Foundation
import Logging

/// Wakes the tailer when something changes in a watched directory (inotify), so an appended line
/// is read at once rather than at the next poll, and says which files changed, so a quiet file
/// costs nothing between rescans. The tailer still rescans, and polls the files of directories
/// inotify does not vouch for: when it is missing, when its watch limit runs out on a big tree,
/// and on network filesystems, where it does not see what other machines write.
final class DirectoryWatcher {
    /// What a wait saw.
    struct Wake {
        /// Entries of watched directories written, truncated, touched or `chmod`ed (paths as
        /// `directory/name`, the directory as given to ``watch(_:)``).
        var paths: Set<String> = []
        /// Files or directories appeared, moved or went: the tree should be scanned again.
        var structural = false
        /// Events were lost (the queue overflowed): ``paths`` is not the whole story.
        var overflowed = false
    }

    private let descriptor: Int32
    /// Watched directories by path: the watch, and the directory it was made for (another one can
    /// take the path: a log directory renamed by rotation and a new one made in its place).
    private var watched: [String: (watch: Int32, directory: FileKey)] = [:]
    private var paths: [Int32: String] = [:]
    /// Watched directories on network filesystems.
    private var remote: Set<String> = []
    private var networkFilesystems = NetworkFilesystems()
    private var exhausted = false
    private let logger: Logger
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    init(logger: Logger) {
        self.logger = logger
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if descriptor < 0 {
            logger.warning("inotify is not available; polling only", metadata: ["error": "\(String(cString: strerror(errno)))"])
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Watches `directory`, the directory `identity` (not its subdirectories: each is watched on its own).
    func watch(_ directory: String, identity: FileKey) {
        guard descriptor >= 0, !exhausted, watched[directory]?.directory != identity else { return }
        let mask = UInt32(IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_DELETE_SELF
                          | IN_MOVE_SELF)
        let watch = inotify_add_watch(descriptor, directory, mask)
        if watch >= 0 {
            // The same directory under another path (it was renamed): its events now name this one.
            if let old = paths[watch], old != directory, watched[old]?.watch == watch {
                watched[old] = nil
                remote.remove(old)
            }
            watched[directory] = (watch, identity)
            paths[watch] = directory
            if networkFilesystems.contains(directory) { remote.insert(directory) } else { remote.remove(directory) }
        } else if errno == ENOSPC {
            exhausted = true
            logger.warning("""
                the inotify watch limit is reached (fs.inotify.max_user_watches); \
                directories beyond it are found by the periodic rescan
                """, metadata: ["watched": "\(watched.count)"])
        }
    }

    /// Whether every change to the files in `directory` (as given to ``watch(_:)``) shows in ``Wake/paths``.
    func vouches(for directory: String) -> Bool {
        watched[directory] != nil && !remote.contains(directory)
    }

    /// Waits up to `timeout` seconds for a change.
    func wait(timeout: TimeInterval) -> Wake {
        guard descriptor >= 0 else {
            if timeout > 0 { usleep(useconds_t(timeout * 1_000_000)) }
            return Wake()
        }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(timeout * 1000))
        guard ready > 0 else { return Wake() }
        var wake = Wake()
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            buffer.withUnsafeBytes { bytes in
                var offset = 0
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let watch = bytes.load(fromByteOffset: offset, as: Int32.self)
                    let mask = bytes.load(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(bytes.load(fromByteOffset: offset + 12, as: UInt32.self))
                    if mask & UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW) != 0 {
                        wake.structural = true
                    }
                    // The directory is no longer at its path: nothing there is vouched for until the
                    // scan this wake brings watches what is there now (IN_IGNORED can come later).
                    if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0, let path = paths[watch], watched[path]?.watch == watch {
                        watched[path] = nil
                    }
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 { wake.overflowed = true }
                    if length > 0, let directory = paths[watch] {
                        let name = bytes[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                        let path = String(decoding: name, as: UTF8.self)
                        wake.paths.insert(directory.hasSuffix("/") ? directory + path : directory + "/" + path)
                    }
                    if mask & UInt32(IN_IGNORED) != 0, let path = paths.removeValue(forKey: watch), watched[path]?.watch == watch {
                        watched[path] = nil  // the directory went; a new one at its path is watched when found
                    }
                    offset += MemoryLayout<inotify_event>.size + length
                }
            }
        }
        return wake
    }
}
