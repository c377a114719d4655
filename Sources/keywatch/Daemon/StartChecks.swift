import Foundation
import KeywatchCore

extension DaemonConfiguration {
    /// What keeps the daemon from starting with this configuration, every problem at once, each
    /// naming the key and its line as a parse error does: no input at all, and each directory or
    /// file it names that must be there at start (tail roots, the rules directory, the store's
    /// directory, secret and CA files). Checked before anything starts, so a typo in a path is an
    /// error, not a daemon that quietly reads nothing.
    func startProblems() -> [ConfigurationError] {
        var problems: [ConfigurationError] = []
        func check(_ key: String, _ trouble: String?) {
            if let trouble { problems.append(problem(key, trouble)) }
        }
        if tail.isEmpty && http == nil && sqs.isEmpty && s3.isEmpty && eventHub.isEmpty {
            problems.append(problem(nil, "nothing to read: add tail: (directories of log files), http: (a listener for pushes), sqs: (a queue of S3 notifications), s3: (a bucket prefix) or eventhub: (event hubs)"))
        }
        for (index, tail) in tail.enumerated() { check("tail[\(index)].path", PathCheck.directory(tail.path)) }
        // A file without `rules:` reads ./rules: say so, as the file has no line to point to.
        let defaultRules = file != nil && lines["rules"] == nil ? " (the default: name the rules directory with rules:)" : ""
        check("rules", PathCheck.directory(rules).map { $0 + defaultRules })
        let store = (db as NSString).deletingLastPathComponent
        // Whether it can be written is the store's to say, when it opens: it names the cause
        // (a read-only file system, permissions) and what to do.
        if !store.isEmpty, let trouble = PathCheck.directory(store) { check("db", "the store's directory: \(trouble)") }
        if case .file(let path) = http?.token { check("http.token_file", PathCheck.file(path)) }
        for (index, hub) in eventHub.enumerated() {
            if case .file(let path) = hub.connectionString { check("eventhub[\(index)].connection_string_file", PathCheck.file(path)) }
        }
        for (index, sink) in sinks.enumerated() {
            switch sink {
            case .stdout:
                break
            case .webhook(let webhook):
                let path = "sinks[\(index)].webhook"
                if case .file(let secret) = webhook.secret { check("\(path).secret_file", PathCheck.file(secret)) }
                if let ca = webhook.delivery.caFile { check("\(path).ca_file", PathCheck.file(ca)) }
            case .email(let email):
                let path = "sinks[\(index)].email"
                if case .file(let username) = email.username { check("\(path).username_file", PathCheck.file(username)) }
                if case .file(let password) = email.password { check("\(path).password_file", PathCheck.file(password)) }
                if let ca = email.delivery.caFile { check("\(path).ca_file", PathCheck.file(ca)) }
            }
        }
        return problems
    }

    private func problem(_ key: String?, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file ?? "the demo configuration (no --config)", line: key.flatMap { lines[$0] }, key: key, message: message)
    }
}

/// Whether a path a configuration names is there, of the right kind, and readable.
enum PathCheck {
    /// What is wrong with `path` as a directory to read; nil when nothing is.
    static func directory(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "\(path) does not exist" }
        guard isDirectory.boolValue else { return "\(path) is not a directory" }
        // Opened, not access(2)ed: what counts is whether the daemon can, as the user it runs as.
        guard let directory = opendir(path) else { return "\(path) cannot be read (\(reason()))" }
        closedir(directory)
        return nil
    }

    /// What is wrong with `path` as a file to read; nil when nothing is.
    static func file(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "\(path) does not exist" }
        guard !isDirectory.boolValue else { return "\(path) is a directory, not a file" }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return "\(path) cannot be read (\(reason()))" }
        close(descriptor)
        return nil
    }

    /// The last system call's error in words: `permission denied`.
    static func reason() -> String {
        String(cString: strerror(errno)).lowercased()
    }
}
