import Foundation

/// The files under one tail root, found without ever leaving it.
///
/// Entries are examined with `fstatat` and directories opened with `openat(O_NOFOLLOW)` relative
/// to their parent's descriptor, so a directory swapped for a link while the walk runs cannot
/// take it elsewhere. Links are not followed unless the root says `follow_links`; then only to a
/// file or directory whose real path — read off the descriptor opened through the link — lies
/// below the root's real path.
struct TailTree {
    /// A regular file found under the root.
    struct File {
        var path: String
        /// The path below the root, which `include` patterns match.
        var relativePath: String
        /// The directory it was found in, as walked (and watched).
        var directory: String
        var status: FileStatus
        /// Reached through a link to the file itself: its path is opened following links.
        var throughLink: Bool
    }

    /// Why an entry under the root is not tailed.
    enum Skip: String, CaseIterable {
        /// A link, and the root does not follow links.
        case link = "symlink"
        /// A link to a file or directory outside the root.
        case outsideRoot = "outside-root"
        /// A FIFO, socket or device.
        case notRegular = "not-regular"
        /// A link to nothing (its target does not exist).
        case brokenLink = "broken-link"
    }

    enum Entry {
        case file(File)
        case skipped(path: String, relativePath: String, Skip)
        /// A directory (or, with `follow_links`, a link) that cannot be opened, and why.
        case unreadable(path: String, reason: String)
    }

    let source: TailSource
    /// Called for each directory walked (its path and identity), before its entries.
    let watch: (String, FileKey) -> Void

    /// Calls `body` for each entry under the root, in name order, each directory once (`visited`
    /// holds the directories seen, across roots: links cannot make the walk go round). A file
    /// with several names (hard links, or links with `follow_links`) comes once per name.
    func walk(visited: inout Set<FileKey>, _ body: (Entry) -> Void) {
        let root = open(source.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK)
        guard root >= 0 else {
            body(.unreadable(path: source.path, reason: Self.lastError()))
            return
        }
        var realRoot: String?
        if source.followLinks {
            realRoot = Self.realPath(of: root, path: source.path)
            if realRoot == nil {
                close(root)
                body(.unreadable(path: source.path, reason: "its real path cannot be resolved"))
                return
            }
        }
        if let status = FileStatus(descriptor: root) { visited.insert(status.identity) }
        walkDirectory(root, path: source.path, relativePath: "", realRoot: realRoot, visited: &visited, body)
    }

    /// Walks the directory open as `descriptor`, and closes it.
    private func walkDirectory(_ descriptor: Int32, path: String, relativePath: String, realRoot: String?,
                               visited: inout Set<FileKey>, _ body: (Entry) -> Void) {
        guard let handle = fdopendir(descriptor) else {
            body(.unreadable(path: path, reason: Self.lastError()))
            close(descriptor)
            return
        }
        defer { closedir(handle) }
        if let status = FileStatus(descriptor: dirfd(handle)) { watch(path, status.identity) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        let parent = dirfd(handle)
        for name in names.sorted() {
            let childPath = path.hasSuffix("/") ? path + name : path + "/" + name
            let childRelative = relativePath.isEmpty ? name : relativePath + "/" + name
            guard let status = FileStatus(at: parent, name, followingLinks: false) else { continue }  // gone since
            if status.isSymbolicLink {
                guard let realRoot else {
                    body(.skipped(path: childPath, relativePath: childRelative, .link))
                    continue
                }
                followLink(parent, name, path: childPath, directory: path, relativePath: childRelative, realRoot: realRoot,
                           visited: &visited, body)
            } else if status.isDirectory {
                guard visited.insert(status.identity).inserted else { continue }
                let child = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
                guard child >= 0 else {
                    body(.unreadable(path: childPath, reason: Self.lastError()))
                    continue
                }
                walkDirectory(child, path: childPath, relativePath: childRelative, realRoot: realRoot, visited: &visited, body)
            } else if status.isRegularFile {
                body(.file(File(path: childPath, relativePath: childRelative, directory: path, status: status, throughLink: false)))
            } else {
                body(.skipped(path: childPath, relativePath: childRelative, .notRegular))
            }
        }
    }

    /// Follows the link `name` in `parent` if what it leads to is under the root. The check is made
    /// on the descriptor the link opened, so the link cannot change between the check and the use.
    private func followLink(_ parent: Int32, _ name: String, path: String, directory: String, relativePath: String,
                            realRoot: String, visited: inout Set<FileKey>, _ body: (Entry) -> Void) {
        // Non-blocking: a link to a FIFO must not stop the walk.
        let target = openat(parent, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard target >= 0 else {
            if errno == ENOENT {
                body(.skipped(path: path, relativePath: relativePath, .brokenLink))
            } else {
                body(.unreadable(path: path, reason: Self.lastError()))
            }
            return
        }
        guard let status = FileStatus(descriptor: target), let real = Self.realPath(of: target, path: path),
              Self.path(real, isBelow: realRoot) else {
            close(target)
            body(.skipped(path: path, relativePath: relativePath, .outsideRoot))
            return
        }
        if status.isDirectory {
            guard visited.insert(status.identity).inserted else {
                close(target)
                return
            }
            walkDirectory(target, path: path, relativePath: relativePath, realRoot: realRoot, visited: &visited, body)
            return
        }
        close(target)
        if status.isRegularFile {
            body(.file(File(path: path, relativePath: relativePath, directory: directory, status: status, throughLink: true)))
        } else {
            body(.skipped(path: path, relativePath: relativePath, .notRegular))
        }
    }

    /// The absolute path, without links, of the file open as `descriptor` (found at `path`).
    static func realPath(of descriptor: Int32, path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(descriptor)", &buffer, Int(PATH_MAX))
        if count > 0, buffer[0] == CChar(UInt8(ascii: "/")) {
            return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        // Without /proc: the path resolved, if it still names the descriptor's file.
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        guard let opened = FileStatus(descriptor: descriptor),
              let named = FileStatus(String(cString: resolved), followingLinks: false),
              opened.identity == named.identity else { return nil }
        return String(cString: resolved)
    }

    /// Whether `path` is `root` or below it (both absolute and without links).
    static func path(_ path: String, isBelow root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
