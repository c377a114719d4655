import Foundation
import Testing
import KeywatchTestSupport

/// The examples of README.md and docs/ as a user meets them: every `$ keywatch …` line of a
/// `console` block runs, in order, in a directory holding `sample-logs/`, `rules/` and `docs/` and a store
/// ingested from the sample logs, and must succeed and print something — an example that answers
/// "no events match" teaches nothing.
///
/// Commands that never end on their own (`keywatch run`, `--follow`) are written in `sh` blocks,
/// and their own tests cover them. A line may end with `# exit N` when the example is about a
/// failure.
@Suite("Documented examples", .serialized)
struct DocumentedExamplesTests {
    /// One `$ keywatch …` line: where it is written, its arguments, the exit status it expects.
    struct Example: CustomStringConvertible {
        let file: String
        let line: Int
        let text: String
        let arguments: [String]
        let status: Int32
        var description: String { "\(file):\(line): \(text)" }
    }

    /// Outputs that say a command found nothing.
    static let emptyAnswers = ["no events match", "no alerts", "no rejects", "no rejected records"]

    @Test("every `$ keywatch` example of README.md and docs/ runs on the sample logs, succeeds and prints something")
    func examplesRun() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 20, "found only \(examples.count) examples")
        let directory = TemporaryDirectory()
        for name in ["sample-logs", "rules", "docs"] {
            try FileManager.default.createSymbolicLink(atPath: directory.path(name),
                                                       withDestinationPath: repositoryRoot.appendingPathComponent(name).path)
        }
        let ingest = try keywatch(["ingest", "sample-logs"], in: directory.url)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        for example in examples {
            let run = try keywatch(example.arguments, in: directory.url)
            #expect(run.status == example.status, "\(example)\nexit \(run.status)\n\(run.stderr)")
            // Results go to stdout; only commands that report on what they did (ingest, rules) may
            // say everything on stderr.
            let reportsOnly = ["ingest", "rules"].contains(example.arguments.first ?? "")
            let output = reportsOnly ? run.stdout + run.stderr : run.stdout
            #expect(!output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(example) printed nothing")
            let answer = run.stdout + run.stderr
            for empty in Self.emptyAnswers where answer.contains(empty) {
                Issue.record("\(example) answered '\(empty)' on the sample logs")
            }
        }
    }

    @Test("the documentation links only within the repository")
    func linksStayInTheRepository() throws {
        for (file, text) in try Self.documents() {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                #expect(!line.contains("../shared") && !line.contains("SPEC §") && !line.contains("SPEC.md"),
                        "\(file):\(number + 1) points outside the repository: \(line)")
            }
            // Relative links must name a file of the repository.
            let base = (file as NSString).deletingLastPathComponent
            for target in Self.relativeLinks(in: text) {
                let path = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                guard !path.isEmpty else { continue }
                let resolved = repositoryRoot.appendingPathComponent(base).appendingPathComponent(String(path)).standardized.path
                #expect(FileManager.default.fileExists(atPath: resolved), "\(file) links to \(target), which is not in the repository")
            }
        }
    }

    @Test("every metric family the daemon serves is in docs/metrics.md, and docs/metrics.md names no other")
    func metricsDocumented() async throws {
        let directory = TemporaryDirectory()
        let daemon = try DaemonProcess(in: directory, configuration: DaemonProcess.configuration(port: freePort()))
        defer { daemon.kill() }
        let port = try #require(daemon.listeningPort(), "\(daemon.stderr)")
        try directory.write("logs/a.json", try String(contentsOf: repositoryRoot.appendingPathComponent("sample-logs/pushes/eventbridge.json"), encoding: .utf8))
        // Detection's families appear once the writer has reported on a commit.
        #expect(DaemonProcess.wait(seconds: 30) { ((try? daemon.count("SELECT count(*) FROM event_rows")) ?? 0) > 0 })
        var served: Set<String> = []
        for _ in 0..<40 {
            let body = try await http("GET", "http://127.0.0.1:\(port)/metrics").body
            served = Set(body.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
            if served.contains("keywatch_detection_groups") { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let page = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        var documented: Set<String> = []
        for line in page.split(separator: "\n") where line.hasPrefix("| `keywatch_") {
            documented.insert(String(line.dropFirst(3).prefix { $0 != "`" }))
        }
        #expect(served.contains("keywatch_detection_groups"), "\(served.sorted())")
        #expect(served.subtracting(documented).isEmpty, "served, not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented, not served: \(documented.subtracting(served).sorted())")
    }

    /// README.md and every `docs/*.md`, as paths relative to the repository and their text.
    static func documents() throws -> [(String, String)] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
        return try (["README.md"] + docs).map { file in
            (file, try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8))
        }
    }

    /// The `$ keywatch …` lines of the `console` blocks of every document, in order.
    static func examples() throws -> [Example] {
        var examples: [Example] = []
        for (file, text) in try documents() {
            var inConsole = false, inFence = false
            var pending: (line: Int, text: String)?
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("```") {
                    inConsole = !inFence && line == "```console"
                    inFence.toggle()
                    continue
                }
                guard inConsole else { continue }
                if var command = pending {
                    command.text += " " + line
                    pending = command
                } else if line.hasPrefix("$ keywatch ") {
                    pending = (number + 1, String(line.dropFirst(2)))
                } else {
                    continue
                }
                guard var command = pending else { continue }
                if command.text.hasSuffix("\\") {
                    command.text.removeLast()
                    pending = command
                    continue
                }
                pending = nil
                var status: Int32 = 0
                var words = try ShellWords.split(command.text)
                if let hash = words.firstIndex(of: "#") {
                    if words.count == hash + 3, words[hash + 1] == "exit", let expected = Int32(words[hash + 2]) { status = expected }
                    words.removeSubrange(hash...)
                }
                examples.append(Example(file: file, line: command.line, text: command.text,
                                        arguments: Array(words.dropFirst()), status: status))
            }
        }
        return examples
    }

    /// The targets of `[text](target)` links that are neither absolute URLs nor anchors.
    static func relativeLinks(in text: String) -> [String] {
        var links: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "](") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: ")") else { break }
            let target = String(rest[..<close])
            if !target.contains("://"), !target.hasPrefix("#"), !target.hasPrefix("mailto:"), !target.contains(" ") {
                links.append(target)
            }
            rest = rest[close...]
        }
        return links
    }
}

/// Splits a command line into words the way a POSIX shell does for the examples' needs: blanks
/// separate words, single quotes keep everything, double quotes keep everything but `\"` and
/// `\\`. Pipes, redirections and substitutions are refused: an example is one command.
enum ShellWords {
    struct Unsupported: Error, CustomStringConvertible {
        let description: String
    }

    static func split(_ line: String) throws -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var characters = line.makeIterator()
        while let character = characters.next() {
            if let open = quote {
                if character == open {
                    quote = nil
                } else if open == "\"", character == "\\", let next = characters.next() {
                    if next != "\"" && next != "\\" { word.append("\\") }
                    word.append(next)
                } else {
                    word.append(character)
                }
                continue
            }
            switch character {
            case " ", "\t":
                if inWord { words.append(word); word = ""; inWord = false }
            case "'", "\"":
                quote = character
                inWord = true
            case "|", ">", "<", "`", "$", ";", "&":
                throw Unsupported(description: "'\(character)' in an example: write one command without shell syntax: \(line)")
            case "#" where !inWord:
                words.append("#")
            default:
                word.append(character)
                inWord = true
            }
        }
        if quote != nil { throw Unsupported(description: "an unclosed quote: \(line)") }
        if inWord { words.append(word) }
        return words
    }
}
