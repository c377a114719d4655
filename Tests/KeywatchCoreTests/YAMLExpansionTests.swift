import Testing
@testable import KeywatchCore

/// Nested YAML aliases ("billion laughs") are refused before anything walks their expansion.
@Suite("YAML alias expansion")
struct YAMLExpansionTests {
    /// About 1 KB: nine levels of a mapping naming the level below ten times — 10^9 values expanded,
    /// reached through a rule test's expected alert, which is read by walking every nested mapping.
    static let laughs: String = {
        let levels = (1...9).map { level in
            "          - group: &a\(level) {" + (0..<10).map { "k\($0): *a\(level - 1)" }.joined(separator: ", ") + "}"
        }
        return """
            rules:
              - id: laughs
                type: match
                where: {operation: Decrypt}
                tests:
                  - events: events.json
                    expect:
                      - group: &a0 {k0: v, k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v, k8: v, k9: v}

            """ + levels.joined(separator: "\n") + "\n"
    }()

    @Test("a rules file of nested aliases is refused with its file and line, in bounded time and memory", .timeLimit(.minutes(1)))
    func billionLaughsInRules() {
        #expect(Self.laughs.utf8.count < 1500)
        do {
            _ = try RuleFile.parse(Self.laughs, file: "rules/laughs.yaml")
            Issue.record("the file was accepted")
        } catch {
            #expect(error.problems.count == 1)
            let problem = error.problems.first
            #expect(problem?.file == "rules/laughs.yaml")
            #expect(problem?.line != nil)
            #expect(problem?.message.hasPrefix("YAML aliases expand to more than 100000 values") == true, "\(error)")
        }
    }

    @Test("the daemon's configuration and the identities file refuse them too", .timeLimit(.minutes(1)))
    func billionLaughsElsewhere() {
        var text = "x0: &a0 [v, v, v, v, v, v, v, v, v, v]\n"
        for level in 1...9 { text += "x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        #expect(throws: ConfigurationProblems.self) { try DaemonConfiguration.parse(text, file: "k.yaml") }
        #expect(throws: ConfigurationError.self) { try IdentityMap.parse(text, file: "identities.yaml") }
    }

    /// Nine levels of a list naming the level below nine times (9^10 values), used as a mapping
    /// key: the YAML library hashes keys while it builds the tree, so this hung inside it, before
    /// any walk of the tree could refuse it. The count passes the limit at line 6, where the
    /// definitions alone reach 9^6 values.
    static let laughsAsKey: String = {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n" }
        return text + "? *a9\n: 1\nrules: []\n"
    }()

    @Test("nested aliases used as a mapping key are refused before the tree is built", .timeLimit(.minutes(1)))
    func billionLaughsAsKey() {
        do {
            _ = try RuleFile.parse(Self.laughsAsKey, file: "rules/key.yaml")
            Issue.record("the file was accepted")
        } catch {
            let problem = error.problems.first
            #expect(error.problems.count == 1 && problem?.file == "rules/key.yaml" && problem?.line == 6, "\(error)")
            #expect(problem?.message.hasPrefix("YAML aliases expand to more than 100000 values") == true, "\(error)")
        }
        #expect(throws: ConfigurationProblems.self) { try DaemonConfiguration.parse(Self.laughsAsKey, file: "k.yaml") }
    }

    @Test("the expansion is measured exactly: each alias counts as a copy of its anchor's node, nesting included")
    func measuredExactly() throws {
        let size = try YAMLExpansion.measure("a: &x [1, 2]\nb: [*x, *x]\n", limit: 1000)
        // The root mapping, keys a and b, [1, 2], and [[1, 2], [1, 2]].
        #expect(size.values == 1 + 1 + 3 + 1 + 7)
        #expect(size.depth == 4)
        // A chain of aliases each one level deeper than the last: depth grows while values barely do.
        var chain = "l0: &l0 [x]\n"
        for level in 1...20 { chain += "l\(level): &l\(level) [*l\(level - 1)]\n" }
        #expect(try YAMLExpansion.measure(chain, limit: 1000).depth == 23)
        #expect(throws: YAMLExpansion.Exceeded.self) { try YAMLExpansion.measure(chain, limit: 1000, maximumDepth: 22) }
    }

    @Test("aliases that expand modestly, as merge keys for shared defaults do, are read as before")
    func modestAliases() throws {
        let rules = try RuleFile.parse("""
            rules:
              - id: a
                type: match
                where: &common {operation: [Decrypt, Encrypt], outcome: denied}
              - id: b
                type: match
                where: *common
            """, file: "r.yaml")
        #expect(rules.map(\.id) == ["a", "b"])
        #expect(rules[1].conditions.count == 2)
    }

    @Test("the walk stops at the limit of nodes for the file's size")
    func limitScalesWithSize() throws {
        #expect(YAMLSupport.maximumValues(forBytes: 10) == 100_000)
        #expect(YAMLSupport.maximumValues(forBytes: 1_000_000) == 4_000_000)
        // 200,001 values written out in a file of 400 KB: no aliases, under its limit of 1.6M.
        let big = "[" + Array(repeating: "1", count: 200_001).joined(separator: ",") + "]"
        let root = try #require(try YAMLSupport.compose(big, file: "big.yaml"))
        #expect(root.sequence?.count == 200_001)
    }
}
