import Foundation

/// What sample-logs/README.md promises about the sample logs.
public enum SampleLogs {
    /// The `## Expected alerts` table of sample-logs/README.md, one `rule first-seen count` line per
    /// alert, sorted.
    public static func expectedAlerts() throws -> [String] {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("sample-logs/README.md"), encoding: .utf8)
        guard let section = readme.components(separatedBy: "## Expected alerts").dropFirst().first else { return [] }
        return section.split(separator: "\n").compactMap { line -> String? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, cells[0].hasPrefix("`"), Int(cells[2]) != nil else { return nil }
            return "\(cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))) \(cells[1]) \(cells[2])"
        }.sorted()
    }
}
