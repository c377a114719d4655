import Foundation

/// The files an `ingest` reads: the regular files named, and those under the directories named
/// (recursively, in name order, hidden files skipped), each once. Symbolic links to files are
/// followed; links to directories below the named ones are not (they could form cycles).
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
            let root = URL(fileURLWithPath: path).resolvingSymlinksInPath()
            guard let walker = manager.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey],
                options: [.skipsHiddenFiles])
            else { throw Problem(path: path, reason: "cannot list the directory") }
            var found: [String] = []
            for case let url as URL in walker {
                let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
                if values?.isRegularFile == true {
                    found.append(url.path)
                } else if values?.isSymbolicLink == true {
                    var linkIsDirectory: ObjCBool = false
                    if manager.fileExists(atPath: url.path, isDirectory: &linkIsDirectory), !linkIsDirectory.boolValue {
                        found.append(url.path)
                    }
                }
            }
            for file in found.sorted() where seen.insert(file).inserted { files.append(file) }
        }
        return files
    }

    /// The total size of `files`, in bytes (for progress).
    public static func totalSize(_ files: [String]) -> Int64 {
        files.reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
    }
}
