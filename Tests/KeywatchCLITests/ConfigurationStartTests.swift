import Foundation
import Testing
import KeywatchTestSupport

/// `keywatch run --config`: a file is the whole configuration, every problem of it is printed at
/// once as `file:line: key: message`, and what it names must be there at start (exit status 2).
@Suite("Configuration at start", .serialized)
struct ConfigurationStartTests {
    let rules = repositoryRoot.appendingPathComponent("rules").path

    /// `keywatch run --config keywatch.yaml` in `directory`, with `text` as the file; it must exit.
    func run(_ text: String, in directory: TemporaryDirectory) throws -> Run {
        try directory.write("keywatch.yaml", text)
        return try keywatch(["run", "--config", "keywatch.yaml"], in: directory.url)
    }

    @Test("a missing configuration file is named in plain words, status 2")
    func missingFile() throws {
        let directory = TemporaryDirectory()
        let run = try keywatch(["run", "--config", "x.yaml"], in: directory.url)
        #expect(run.status == 2)
        #expect(run.stderr == "keywatch run: the configuration file x.yaml does not exist\n", "\(run.stderr)")
        let folder = try keywatch(["run", "--config", directory.url.path], in: directory.url)
        #expect(folder.status == 2 && folder.stderr.contains("the configuration file \(directory.url.path) is a directory, not a file"),
                "\(folder.stderr)")
    }

    @Test("an unreadable configuration file says permission denied, status 2",
          .enabled(if: UnreadableFileTests.launcher != nil, "as root, permissions can only deny reads with setpriv"))
    func unreadableFile() throws {
        let directory = TemporaryDirectory()
        try directory.write("locked.yaml", "http: {}\n")
        #expect(chmod(directory.path("locked.yaml"), 0) == 0)
        let run = try keywatch(["run", "--config", "locked.yaml"], in: directory.url, launcher: UnreadableFileTests.launcher ?? [])
        #expect(run.status == 2)
        #expect(run.stderr == "keywatch run: the configuration file locked.yaml cannot be read (permission denied)\n", "\(run.stderr)")
    }

    @Test("every problem of the file is printed, each as file:line: key: message, status 2")
    func everyProblemPrinted() throws {
        let directory = TemporaryDirectory()
        let run = try run("db: ./k.db\nstore: x\nhttp: {listen: nowhere}\nretention: forever\n", in: directory)
        #expect(run.status == 2)
        #expect(run.stderr == """
            keywatch run: keywatch.yaml:2: store: unknown key (expected one of: accounts, db, detection, eventhub, http, organization, retention, rules, s3, sinks, sqs, tail)
            keywatch run: keywatch.yaml:3: http.listen: expected host:port, such as 127.0.0.1:8514
            keywatch run: keywatch.yaml:4: retention: expected a duration such as 90d or 12h

            """, "\(run.stderr)")
    }

    @Test("a file that names no input is an error, not the demo: an empty file, or only db")
    func nothingToRead() throws {
        let directory = TemporaryDirectory()
        for text in ["", "db: ./k.db\n", "tail: []\nhttp: off\n"] {
            let run = try run(text, in: directory)
            #expect(run.status == 2)
            #expect(run.stderr.contains("keywatch run: keywatch.yaml: nothing to read: add tail:"), "\(text): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("k.db")), "nothing started")
        let defaultRules = try run("http: {}\n", in: directory)
        #expect(defaultRules.status == 2)
        #expect(defaultRules.stderr == "keywatch run: keywatch.yaml: rules: ./rules does not exist (the default: name the rules directory with rules:)\n",
                "\(defaultRules.stderr)")
    }

    @Test("a tail path that does not exist or is not a directory, and a missing rules directory, are errors naming file, line and key")
    func missingPaths() throws {
        let directory = TemporaryDirectory()
        try directory.write("plain.json", "{}")
        let run = try run("""
            db: ./k.db
            rules: ./no-rules
            tail:
              - path: ./logs
              - path: ./plain.json
            """, in: directory)
        #expect(run.status == 2)
        #expect(run.stderr == """
            keywatch run: keywatch.yaml:4: tail[0].path: ./logs does not exist
            keywatch run: keywatch.yaml:5: tail[1].path: ./plain.json is not a directory
            keywatch run: keywatch.yaml:2: rules: ./no-rules does not exist

            """, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("k.db")), "nothing started")
    }

    @Test("secret and CA files the configuration names must be there at start, and the store's directory")
    func missingFiles() throws {
        let directory = TemporaryDirectory()
        let run = try run("""
            db: ./store/k.db
            rules: \(rules)
            http: {token_file: ./token}
            sinks:
              - webhook: {url: "https://hooks.example/k", secret_file: ./secret, ca_file: ./ca.pem}
            """, in: directory)
        #expect(run.status == 2)
        #expect(run.stderr == """
            keywatch run: keywatch.yaml:1: db: the store's directory: ./store does not exist
            keywatch run: keywatch.yaml:3: http.token_file: ./token does not exist
            keywatch run: keywatch.yaml:5: sinks[0].webhook.secret_file: ./secret does not exist
            keywatch run: keywatch.yaml:5: sinks[0].webhook.ca_file: ./ca.pem does not exist

            """, "\(run.stderr)")
    }

    @Test("a file with db and http only listens and tails nothing, though ./sample-logs is right there")
    func noTailMeansNoTailing() throws {
        let directory = TemporaryDirectory()
        try FileManager.default.copyItem(atPath: repositoryRoot.appendingPathComponent("sample-logs").path, toPath: directory.path("sample-logs"))
        let port = freePort()
        let daemon = try DaemonProcess(in: directory, configuration: """
            db: ./k.db
            rules: \(rules)
            http: {listen: "127.0.0.1:\(port)"}
            """)
        #expect(daemon.listeningPort() == port, "\(daemon.stderr)")
        let started = daemon.stderr.split(separator: "\n").first { $0.contains("keywatch started") } ?? ""
        #expect(started.contains("tail= ") || started.hasSuffix("tail="), "\(started)")
        #expect(!started.contains("sample-logs"))
        #expect(daemon.terminate().status == 0)
    }
}
