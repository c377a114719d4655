import Foundation

/// Shell scripts run in a mount namespace of their own, as its root (`unshare --map-root-user
/// --mount`): a test mounts a small tmpfs (a disk that really fills) or a read-only bind mount
/// (a directory that even root cannot write) without being root, and the mounts vanish with
/// the script. `chmod` would not do: the tests may run as root, whom modes do not stop.
enum MountNamespace {
    /// Whether this machine lets a process make such a namespace (user namespaces enabled, no
    /// seccomp filter against `unshare`).
    static let isAvailable: Bool = {
        let probe = "d=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs \"$d\" && umount \"$d\" && rmdir \"$d\""
        guard let process = try? start(probe) else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// Starts `script` under `sh -c` in a namespace of its own; its stdout and stderr both go
    /// to the file `output` (created), or nowhere.
    static func start(_ script: String, output: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--map-root-user", "--mount", "sh", "-c", script]
        if let output {
            FileManager.default.createFile(atPath: output, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// `sh -c` quoting of one word.
    static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
