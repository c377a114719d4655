import Foundation
import KeywatchFuzzing
import KeywatchTestSupport
import Testing

/// Every input the fuzzers found that crashed keywatch or broke an invariant, replayed through the
/// same entry code (``FuzzTarget/run(_:)``): each must now be handled — parsed, or rejected with a reason.
@Suite struct FuzzRegressionTests {
    @Test("each fuzz reproducer is handled", .timeLimit(.minutes(2)), arguments: FuzzReproducer.all(in: "fuzz-regressions"))
    func reproducerIsHandled(_ reproducer: FuzzReproducer) async {
        await reproducer.expectHandled()
    }
}

/// One file of `Tests/Fixtures/<folder>/<target>/`: an input for that fuzz target.
struct FuzzReproducer: Sendable, Codable, CustomTestStringConvertible {
    var target: String
    var name: String
    var bytes: [UInt8]

    var testDescription: String { "\(target)/\(name)" }

    /// The reproducers of every target, in the order of their paths.
    static func all(in folder: String) -> [FuzzReproducer] {
        let root = repositoryRoot.appendingPathComponent("Tests/Fixtures/\(folder)")
        return FuzzTarget.allCases.flatMap { target -> [FuzzReproducer] in
            let directory = root.appendingPathComponent(target.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.sorted().compactMap { name in
                guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
                return FuzzReproducer(target: target.rawValue, name: name, bytes: Array(data))
            }
        }
    }

    /// Runs the reproducer in a process of its own, so that one that still crashes fails alone
    /// and by name, and checks that it broke no invariant.
    func expectHandled() async {
        await #expect(processExitsWith: .success) { [name = target as String, bytes = bytes as [UInt8]] in
            guard let target = FuzzTarget(rawValue: name) else {
                Issue.record("no fuzz target is named \(name)")
                return
            }
            let outcome = target.run(bytes)
            // The comment carries the details: an issue recorded here reaches the parent without its values.
            #expect(outcome.handled, "\(outcome.summary)\n\(outcome.violations.joined(separator: "\n"))")
        }
    }
}
