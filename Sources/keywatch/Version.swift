import CBuildInfo

/// What `keywatch --version` prints: the release number, kept here and nowhere else, and the
/// commit the binary was built from.
enum Version {
    /// The release number (semantic versioning).
    static let number = "0.1.0"

    /// The short commit hash `make build` compiled in, or "unknown" for a plain `swift build`.
    static var commit: String { String(cString: keywatch_commit()) }

    /// `keywatch 0.1.0 (commit 225174b)`.
    static var description: String { "keywatch \(number) (commit \(commit))" }
}
