import Foundation
import Logging

/// What the tailer cannot read, and what it leaves alone on purpose: each logged once per path
/// and reason, and counted for `/metrics`. A file that cannot be read is tried again (when it
/// changes, and at each rescan) and read as soon as it can be.
struct TailProblems {
    private let logger: Logger
    /// The reasons logged for each path, so each is logged once.
    private var logged: [String: Set<String>] = [:]
    /// Tracked files that cannot be opened or read now, and why.
    private(set) var unreadableFiles: [FileKey: String] = [:]
    /// Directories (and, with `follow_links`, links) the last scan could not open.
    private var unreadable: Set<String> = []
    /// Those the scan under way could not open.
    private var unreadableNow: Set<String> = []
    /// Entries the last scan did not tail, by why.
    private(set) var skipped: [TailTree.Skip: Int] = [:]
    /// The paths the scan under way found a problem with, and those of tracked files that cannot be
    /// read: what is logged is forgotten for the rest, so links or FIFOs made under unique names
    /// and removed again do not pile up.
    private var pathsNow: Set<String> = []
    private var unreadableFilePaths: [FileKey: String] = [:]

    init(logger: Logger) {
        self.logger = logger
    }

    /// A tracked file could not be opened or read.
    mutating func unreadable(_ key: FileKey, path: String, reason: String) {
        unreadableFiles[key] = reason
        unreadableFilePaths[key] = path
        log(.warning, "cannot read a tailed file; it is read once it can be", path: path, reason: reason)
    }

    /// A tracked file was read: if it could not be before, that is over.
    mutating func readable(_ key: FileKey, path: String) {
        guard unreadableFiles.removeValue(forKey: key) != nil else { return }
        unreadableFilePaths[key] = nil
        logged[path] = nil
        logger.info("a tailed file is readable again", metadata: ["path": "\(path)"])
    }

    /// The file is no longer tailed.
    mutating func forget(_ key: FileKey) {
        unreadableFiles[key] = nil
        unreadableFilePaths[key] = nil
    }

    var unreadableDirectories: Int { unreadable.count }

    /// A scan begins: what it finds replaces what the last one found.
    mutating func scanning() {
        unreadableNow = []
        pathsNow = []
        skipped = [:]
    }

    /// The scan is over: directories it could open again are readable again.
    mutating func scanned() {
        for path in unreadable.subtracting(unreadableNow) {
            logged[path] = nil
            logger.info("a tailed directory is readable again", metadata: ["path": "\(path)"])
        }
        unreadable = unreadableNow
        let keep = pathsNow.union(unreadableFilePaths.values)
        logged = logged.filter { keep.contains($0.key) }
    }

    mutating func unreadableDirectory(_ path: String, reason: String) {
        unreadableNow.insert(path)
        pathsNow.insert(path)
        log(.warning, "cannot read a tailed directory; its files are not tailed until it can be", path: path, reason: reason)
    }

    mutating func skipped(_ path: String, _ why: TailTree.Skip) {
        skipped[why, default: 0] += 1
        pathsNow.insert(path)
        switch why {
        case .link:
            log(.notice, "a symbolic link under a tail root is not followed (follow_links is off for it)", path: path,
                reason: why.rawValue, key: "reason")
        case .outsideRoot:
            log(.warning, "a symbolic link leads out of its tail root; it is not followed", path: path, reason: why.rawValue,
                key: "reason")
        case .notRegular:
            log(.notice, "not a regular file (a FIFO, socket or device); not tailed", path: path, reason: why.rawValue,
                key: "reason")
        case .brokenLink:
            log(.notice, "a symbolic link leads to nothing; not tailed until its target exists", path: path,
                reason: why.rawValue, key: "reason")
        }
    }

    private mutating func log(_ level: Logger.Level, _ message: Logger.Message, path: String, reason: String, key: String = "error") {
        guard logged[path, default: []].insert(reason).inserted else { return }
        logger.log(level: level, message, metadata: ["path": "\(path)", "\(key)": "\(reason)"])
    }
}
