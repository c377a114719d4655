import Foundation

/// Tells directories on network filesystems, where inotify does not see what other machines
/// write (NFS, SMB/CIFS, FUSE, 9P, Ceph, GlusterFS, AFS, Lustre, GPFS, GFS2, OCFS2): the tailer
/// keeps checking the files there every poll instead of waiting for inotify to name them.
///
/// By the mount table (`/proc/self/mounts`): the mount with the longest mount point above the
/// directory's real path. The table is read again when it is older than ``refreshInterval``.
struct NetworkFilesystems {
    private static let types: Set<String> = [
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "9p", "ceph", "glusterfs", "afs", "lustre", "gpfs", "gfs2", "ocfs2",
    ]
    static let refreshInterval: TimeInterval = 10

    /// Mount points and their filesystem types.
    private var mounts: [(point: String, type: String)] = []
    private var read = Date.distantPast

    /// Whether `directory` is on a network filesystem; true when that cannot be told (the safe side: it is polled).
    mutating func contains(_ directory: String) -> Bool {
        guard let resolved = realpath(directory, nil) else { return true }
        let path = String(cString: resolved)
        free(resolved)
        if Date().timeIntervalSince(read) >= Self.refreshInterval { load() }
        guard let mount = mounts.filter({ TailTree.path(path, isBelow: $0.point) }).max(by: { $0.point.count < $1.point.count }) else {
            return true
        }
        return Self.types.contains(mount.type) || mount.type.hasPrefix("fuse")
    }

    private mutating func load() {
        read = Date()
        guard let table = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else {
            mounts = []
            return
        }
        mounts = table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { return nil }
            return (Self.unescaped(fields[1]), String(fields[2]))
        }
    }

    /// A mount point as the table writes it: space, tab, newline and backslash as octal escapes.
    private static func unescaped(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3, let code = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(code)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
