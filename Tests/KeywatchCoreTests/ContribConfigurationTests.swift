import Foundation
import Testing
import KeywatchCore
import KeywatchTestSupport

/// contrib/keywatch.yaml, the configuration `make install` puts in /etc/keywatch, parses and agrees
/// with contrib/keywatch.service: a server gets a daemon that starts.
@Suite("Contributed configuration and unit")
struct ContribConfigurationTests {
    static let contrib = repositoryRoot.appendingPathComponent("contrib")

    static func read(_ name: String) throws -> String {
        try String(contentsOf: contrib.appendingPathComponent(name), encoding: .utf8)
    }

    /// The values of `key=` lines in the unit, every occurrence, in order.
    static func unitValues(_ key: String) throws -> [String] {
        try read("keywatch.service").split(separator: "\n").compactMap { line in
            line.hasPrefix("\(key)=") ? String(line.dropFirst(key.count + 1)) : nil
        }
    }

    @Test("contrib/keywatch.yaml parses: the store in the unit's StateDirectory, the installed rules, tailed directories the unit lets it read")
    func exampleMatchesTheUnit() throws {
        let configuration = try DaemonConfiguration.parse(try Self.read("keywatch.yaml"), file: "keywatch.yaml")

        let state = try #require(try Self.unitValues("StateDirectory").first)
        #expect(configuration.db == "/var/lib/\(state)/keywatch.db")
        #expect(try Self.unitValues("WorkingDirectory") == ["/var/lib/\(state)"])
        #expect(configuration.rules == "/usr/local/share/keywatch/rules")  // where `make install` puts rules/

        let readable = try Self.unitValues("ReadOnlyPaths").flatMap { $0.split(separator: " ") }
            .map { $0.hasPrefix("-") ? String($0.dropFirst()) : String($0) }
        #expect(!configuration.tail.isEmpty)
        for tail in configuration.tail { #expect(readable.contains(tail.path), "\(tail.path) is not in ReadOnlyPaths=") }

        #expect(try Self.unitValues("ExecStart") == ["/usr/local/bin/keywatch run --config /etc/keywatch/keywatch.yaml"])
        // Loopback only, its token from the unit's EnvironmentFile, never from the file itself.
        #expect(configuration.http?.host == "127.0.0.1")
        #expect(configuration.http?.token == .environment("KEYWATCH_TOKEN"))
    }

    @Test("the unit is hardened: a dynamic user, a read-only system, no capabilities, its own state directory")
    func unitIsHardened() throws {
        for (key, value) in [("DynamicUser", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                             ("NoNewPrivileges", "yes"), ("CapabilityBoundingSet", ""), ("KillSignal", "SIGTERM"),
                             ("Restart", "on-failure"), ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX")] {
            #expect(try Self.unitValues(key) == [value], "\(key)=")
        }
        #expect(try Self.unitValues("SystemCallFilter").first == "@system-service")
        #expect(try Self.unitValues("TimeoutStopSec").count == 1)
    }
}
