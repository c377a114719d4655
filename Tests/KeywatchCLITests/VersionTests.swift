import Foundation
import Testing

@Suite("Version")
struct VersionTests {
    @Test("--version prints one line: keywatch, a release number, the commit (a short hash, or unknown for a plain swift build)")
    func versionLine() throws {
        let run = try keywatch(["--version"])
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty)
        let pattern = #/keywatch \d+\.\d+\.\d+ \(commit ([0-9a-f]{7,40}(-dirty)?|unknown)\)\n/#
        #expect(run.stdout.wholeMatch(of: pattern) != nil, "\(run.stdout)")
    }
}
