import Foundation

/// The files an `ingest` reads: the regular files named, and those under the directories named
/// (recursively, hidden files skipped), each once. Symbolic links to files are followed; links to
/// directories below the named ones are not (they could form cycles).
///
/// Files under a directory are read in the order of the time their path names — CloudTrail's
/// `_20261120T0915Z_`, Key Vault's `y=2026/m=11/d=20/h=09/m=00` — then by name: so a backfill
/// interleaves regions, accounts and vaults as a live run does, and detection (on event time,
/// with a bounded lateness) sees each caller's events about in order. In name order, a role's
/// calls in one region would all come before its calls in the next, days late.
public enum InputFiles {
    /// Why a path cannot be read.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static func expand(_ paths: [String]) throws(Problem) -> [String] {
        var files: [String] = []
        var seen = Set<String>()
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw Problem(path: path, reason: "no such file or directory")
            }
            if !isDirectory.boolValue {
                if seen.insert(path).inserted { files.append(path) }
                continue
            }
            guard let found = regularFiles(under: path) else { throw Problem(path: path, reason: "cannot list the directory") }
            for file in inTimeOrder(found) where seen.insert(file).inserted { files.append(file) }
        }
        return files
    }

    /// The regular files under `directory` (its symbolic links resolved), recursively: hidden
    /// entries skipped, links to files followed, links to directories not. Nil when the
    /// directory cannot be listed; a subdirectory that cannot be is skipped.
    ///
    /// `readdir` rather than `FileManager`'s enumerator, which took a third of a second for the
    /// bench corpus's 755 files and 500 folders — before ingest could start.
    static func regularFiles(under directory: String) -> [String]? {
        guard let resolved = realpath(directory, nil) else { return nil }
        let root = String(cString: resolved)
        free(resolved)
        var found: [String] = []
        var pending = [root]
        var isRoot = true
        while let current = pending.popLast() {
            guard let listing = opendir(current) else {
                if isRoot { return nil }
                continue
            }
            isRoot = false
            defer { closedir(listing) }
            let prefix = current.hasSuffix("/") ? current : current + "/"
            while let entry = readdir(listing) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
                if name.hasPrefix(".") { continue }
                let path = prefix + name
                switch Int32(entry.pointee.d_type) {
                case Int32(DT_REG): found.append(path)
                case Int32(DT_DIR): pending.append(path)
                case Int32(DT_LNK), Int32(DT_UNKNOWN):
                    var link = stat()
                    guard lstat(path, &link) == 0 else { continue }
                    if link.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR) {
                        pending.append(path)
                        continue
                    }
                    // A link is followed to a file; one to a directory could form a cycle.
                    var target = stat()
                    if stat(path, &target) == 0, target.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) { found.append(path) }
                default: continue
                }
            }
        }
        return found
    }

    /// Files whose path names a time, by that time (then name); the others after them, by name.
    static func inTimeOrder(_ files: [String]) -> [String] {
        files.map { (time: pathTime($0), path: $0) }
            .sorted { a, b in
                switch (a.time, b.time) {
                case (nil, nil): return a.path < b.path
                case (nil, _): return false
                case (_, nil): return true
                case let (x?, y?): return x != y ? x < y : a.path < b.path
                }
            }
            .map(\.path)
    }

    /// The time in a log file's path, as `YYYYMMDDHHMM`: a CloudTrail file name's delivery time
    /// (`_20261120T0915Z_`), or a Key Vault blob's `y=/m=/d=/h=/m=` folders.
    static func pathTime(_ path: String) -> Int64? {
        let bytes = Array(path.utf8)
        func digits(_ start: Int, _ count: Int) -> Int64? {
            guard start >= 0, start + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[start..<(start + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        // CloudTrail: the last `_YYYYMMDDTHHMMZ_`.
        var index = bytes.count - 16
        while index >= 0 {
            if bytes[index] == UInt8(ascii: "_"), bytes[index + 9] == UInt8(ascii: "T"), bytes[index + 14] == UInt8(ascii: "Z"),
               bytes[index + 15] == UInt8(ascii: "_"), let date = digits(index + 1, 8), let time = digits(index + 10, 4) {
                return date * 10_000 + time
            }
            index -= 1
        }
        // Key Vault: `/y=YYYY/m=MM/d=DD/h=HH/m=MM/`.
        guard let range = path.range(of: "/y=") else { return nil }
        let start = path.utf8.distance(from: path.utf8.startIndex, to: range.lowerBound.samePosition(in: path.utf8)!)
        let layout = Array("/y=0000/m=00/d=00/h=00/m=00".utf8)
        guard start + layout.count <= bytes.count else { return nil }
        for (offset, expected) in layout.enumerated() where expected != UInt8(ascii: "0") && bytes[start + offset] != expected {
            return nil
        }
        guard let year = digits(start + 3, 4), let month = digits(start + 10, 2), let day = digits(start + 15, 2),
              let hour = digits(start + 20, 2), let minute = digits(start + 25, 2) else { return nil }
        return (((year * 100 + month) * 100 + day) * 100 + hour) * 100 + minute
    }

    /// The total size of `files`, in bytes (for progress).
    public static func totalSize(_ files: [String]) -> Int64 {
        files.reduce(0) { total, file in
            var status = stat()
            return total + (stat(file, &status) == 0 ? Int64(status.st_size) : 0)
        }
    }
}
