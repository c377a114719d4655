import Foundation
import KeywatchCore

/// Reads `<rules>/identities.yaml` when it exists.
enum IdentityMapLoader {
    static func load(rulesDirectory: String) throws -> IdentityMap {
        let path = (rulesDirectory as NSString).appendingPathComponent("identities.yaml")
        guard FileManager.default.fileExists(atPath: path) else { return .empty }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, line: nil, key: nil, message: "cannot read it: \(error.localizedDescription)")
        }
        return try IdentityMap.parse(text, file: path)
    }
}
