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

    /// The man page is made from this description, and its generator drops every character
    /// outside ASCII: "(ARN, object id, …)" would read "(ARN, object id, )".
    @Test("the commands' help, from which the man page is generated, is ASCII")
    func helpIsASCII() throws {
        let run = try keywatch(["--experimental-dump-help"])
        #expect(run.status == 0)
        let outside = run.stdout.unicodeScalars.filter { !$0.isASCII }
        #expect(outside.isEmpty, "non-ASCII in the help: \(String(String.UnicodeScalarView(outside)))")
    }
}
