import Foundation
import Logging

/// Wakes the tailer when something changes in a watched directory (inotify), so an appended line
/// is read at once rather than at the next poll. Only a hint: the tailer still polls and
/// rescans, which is all it does when inotify is missing or its watch limit runs out on a big tree.
final class DirectoryWatcher {
    /// What a wait saw.
    struct Wake {
        /// Something changed: files may have grown.
        var changed = false
        /// Files or directories appeared, moved or went: the tree should be scanned again.
        var structural = false
    }

    private let descriptor: Int32
    private var watched: [String: Int32] = [:]
    private var paths: [Int32: String] = [:]
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

    /// Watches `directory` (not its subdirectories: each is watched on its own).
    func watch(_ directory: String) {
        guard descriptor >= 0, !exhausted, watched[directory] == nil else { return }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_DELETE_SELF)
        let watch = inotify_add_watch(descriptor, directory, mask)
        if watch >= 0 {
            watched[directory] = watch
            paths[watch] = directory
        } else if errno == ENOSPC {
            exhausted = true
            logger.warning("""
                the inotify watch limit is reached (fs.inotify.max_user_watches); \
                directories beyond it are found by the periodic rescan
                """, metadata: ["watched": "\(watched.count)"])
        }
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
                    wake.changed = true
                    if mask & UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_Q_OVERFLOW) != 0 {
                        wake.structural = true
                    }
                    if mask & UInt32(IN_IGNORED) != 0, let path = paths.removeValue(forKey: watch) {
                        watched[path] = nil  // the directory went; a new one at its path is watched when found
                    }
                    offset += MemoryLayout<inotify_event>.size + length
                }
            }
        }
        return wake
    }
}
