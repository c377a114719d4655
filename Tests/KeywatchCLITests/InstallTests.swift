import Foundation
import Testing
import KeywatchTestSupport

/// `make install-files` — `make install` without the release build — with the binary the tests
/// run: the tree a server or a package gets.
@Suite("make install", .serialized)
struct InstallTests {
    /// Runs a program found on PATH with `arguments`; stdout and stderr together.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func make(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try run(["make", "--no-print-directory", "-C", repositoryRoot.path, "KEYWATCH=\(keywatchBinary.path)"] + arguments)
    }

    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test("DESTDIR install: stripped binary, man page, completions, rules, configuration and unit in their places, paths without DESTDIR")
    func packagerInstall() throws {
        let directory = TemporaryDirectory()
        let root = directory.path("root")
        let install = try Self.make(["install-files", "DESTDIR=\(root)", "PREFIX=/usr/local"])
        try #require(install.status == 0, "\(install.output)")
        let prefix = root + "/usr/local"

        let version = try Self.run([prefix + "/bin/keywatch", "--version"])
        #expect(version.status == 0)
        #expect(version.output.hasPrefix("keywatch "))
        let sections = try Self.run(["readelf", "--section-headers", prefix + "/bin/keywatch"])
        #expect(sections.status == 0 && sections.output.contains(".text"))
        #expect(!sections.output.contains(".debug_info"), "the installed binary is not stripped")

        // The page renders without groff warnings, and has every command with its abstract.
        let page = prefix + "/share/man/man1/keywatch.1"
        let man = try Self.run(["man", "-l", page], environment: ["MANWIDTH": "100", "MANPAGER": "cat"])
        #expect(man.status == 0)
        let warnings = try Self.run(["sh", "-c", "man --warnings -l \"$0\" >/dev/null", page])
        #expect(warnings.status == 0 && warnings.output.isEmpty, "\(warnings.output)")
        #expect(man.output.contains("Run the daemon: tail log directories"))
        let number = try #require(version.output.split(separator: " ").dropFirst().first)
        #expect(man.output.split(separator: "\n").last?.hasPrefix("keywatch \(number) ") == true, "the footer names keywatch's version")
        for command in ["run", "ingest", "query", "stats", "rejects", "alerts", "sinks", "rules", "backtest"] {
            #expect(Self.text(page).contains("\n.It Em \(command)\n"), "the man page lacks keywatch \(command)")
        }

        let bash = prefix + "/share/bash-completion/completions/keywatch"
        #expect(Self.text(bash).contains("complete -o filenames -F _keywatch keywatch"))
        #expect(try Self.run(["bash", "-n", bash]).status == 0)
        #expect(Self.text(prefix + "/share/zsh/site-functions/_keywatch").hasPrefix("#compdef keywatch"))
        #expect(Self.text(prefix + "/share/fish/vendor_completions.d/keywatch.fish").contains("complete -c 'keywatch'"))

        // The rules with their fixtures: `keywatch rules test` runs on the installed copy.
        let rules = try FileManager.default.contentsOfDirectory(atPath: prefix + "/share/keywatch/rules").sorted()
        let shipped = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("rules").path).sorted()
        #expect(rules == shipped)
        let ruleTests = try Self.run([prefix + "/bin/keywatch", "rules", "test", "--rules", prefix + "/share/keywatch/rules"])
        #expect(ruleTests.status == 0, "\(ruleTests.output)")

        // DESTDIR is where files go, never what they say.
        let unit = Self.text(prefix + "/lib/systemd/system/keywatch.service")
        #expect(unit.contains("\nExecStart=/usr/local/bin/keywatch run --config /etc/keywatch/keywatch.yaml\n"))
        let configuration = Self.text(root + "/etc/keywatch/keywatch.yaml")
        #expect(configuration.contains("\nrules: /usr/local/share/keywatch/rules\n"))
        #expect(configuration == Self.text(prefix + "/share/keywatch/keywatch.yaml"))
        #expect(!unit.contains(root) && !configuration.contains(root))

        // An administrator's configuration survives a reinstall and an uninstall.
        try "db: /srv/keywatch.db\n".write(toFile: root + "/etc/keywatch/keywatch.yaml", atomically: true, encoding: .utf8)
        let again = try Self.make(["install-files", "DESTDIR=\(root)", "PREFIX=/usr/local"])
        #expect(again.status == 0, "\(again.output)")
        #expect(Self.text(root + "/etc/keywatch/keywatch.yaml") == "db: /srv/keywatch.db\n")

        let uninstall = try Self.make(["uninstall", "DESTDIR=\(root)", "PREFIX=/usr/local"])
        #expect(uninstall.status == 0, "\(uninstall.output)")
        let left = try Self.run(["find", root, "-type", "f"]).output.split(separator: "\n")
        #expect(left == [Substring(root + "/etc/keywatch/keywatch.yaml")])
    }

    @Test("PREFIX in a home directory: the configuration in PREFIX/etc, and the unit and configuration name the prefix's paths")
    func prefixInstall() throws {
        let directory = TemporaryDirectory()
        let prefix = directory.path("home/.local")
        let install = try Self.make(["install-files", "PREFIX=\(prefix)"])
        try #require(install.status == 0, "\(install.output)")
        let unit = Self.text(prefix + "/lib/systemd/system/keywatch.service")
        #expect(unit.contains("\nExecStart=\(prefix)/bin/keywatch run --config \(prefix)/etc/keywatch/keywatch.yaml\n"))
        #expect(Self.text(prefix + "/etc/keywatch/keywatch.yaml").contains("\nrules: \(prefix)/share/keywatch/rules\n"))
        #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/keywatch"))
    }
}
