/// AWS's shared credentials and config files: INI sections (`[default]`, `[profile name]`) of
/// `key = value` lines, `#` and `;` comments. Only what credentials need is read: section names
/// and their top-level keys (lower-cased); nested blocks (an indented `s3 =` sub-section) are
/// passed over.
enum SharedConfigurationFile {
    /// Each section's keys; a problem names the file and line.
    static func sections(_ text: String, file: String) throws(AWSCredentialsError) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw AWSCredentialsError("\(file):\(index + 1): a section header without its ']'")
                }
                let name = String(line.dropFirst().dropLast()).trimmingWhitespace()
                let section = name.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                if sections[section] == nil { sections[section] = [:] }
                current = section
                continue
            }
            // An indented line continues a nested block: not a credential.
            if rawLine.first == " " || rawLine.first == "\t" { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw AWSCredentialsError("\(file):\(index + 1): expected key = value")
            }
            guard let section = current else {
                throw AWSCredentialsError("\(file):\(index + 1): a key before any [section]")
            }
            let key = String(line[..<equals]).trimmingWhitespace().lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingWhitespace()
            if !value.isEmpty { sections[section]![key] = value }
        }
        return sections
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (and a stray carriage return).
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
