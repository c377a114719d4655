import Foundation

/// A Python program of `Tests/Fixtures` (a test server) running beside the tests: started with
/// its arguments, waited for until it prints its first line, killed when released.
public final class FixtureProcess {
    private let process = Process()
    /// What the program printed first (`READY …` once it listens).
    public let firstLine: String

    public init(script: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("Tests/Fixtures/\(script)").path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Empty (end of file) when the program could not start, such as a missing module.
        firstLine = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
    }

    deinit {
        // SIGKILL: the test runner's threads block SIGTERM, and a child inherits that mask.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
