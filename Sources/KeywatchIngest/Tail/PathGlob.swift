import Foundation

/// An `include` pattern of the configuration, over paths relative to a tailed directory:
/// `*`, `?` and `[...]` match within one path segment, `**` matches any number of segments
/// (none included) — `**/PT1H.json` finds the file at any depth.
public struct PathGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let segments: [String]

    public init(_ pattern: String) {
        self.pattern = pattern
        segments = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    public var description: String { pattern }

    /// True when `relativePath` (segments separated by `/`) matches.
    public func matches(_ relativePath: String) -> Bool {
        let parts = relativePath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return Self.match(segments[...], parts[...])
    }

    private static func match(_ pattern: ArraySlice<String>, _ parts: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return parts.isEmpty }
        if first == "**" {
            // Zero segments, or one more and try again; collapse repeated `**`.
            let rest = pattern.dropFirst()
            if rest.first == "**" { return match(rest, parts) }
            var remaining = parts
            while true {
                if match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        }
        guard let part = parts.first, fnmatch(first, part, 0) == 0 else { return false }
        return match(pattern.dropFirst(), parts.dropFirst())
    }
}
