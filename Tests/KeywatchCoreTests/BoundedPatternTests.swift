import Foundation
import Testing
@testable import KeywatchCore

/// A rule's regular expression never stalls detection on a crafted value.
@Suite("Bounded regular expressions")
struct BoundedPatternTests {
    /// 100 `a`s and a `b`: `(a|aa)+$` backtracks through the Fibonacci number of ways to split them.
    static let catastrophic = String(repeating: "a", count: 100) + "b"

    @Test("a catastrophic pattern is given up on, counted as no match, and counted", .timeLimit(.minutes(1)))
    func catastrophicBacktracking() throws {
        let condition = try FieldCondition(key: "user_agent|re", values: ["(a|aa)+$"])
        let started = Date()
        #expect(!condition.holds(for: .string(Self.catastrophic)))
        #expect(Date().timeIntervalSince(started) < 30, "bounded work, not exponential")
        let pattern = try #require(condition.patterns.first)
        #expect(pattern.abandonedMatches.count == 1)
        #expect(pattern.abandonedMatches.lastValue == String(Self.catastrophic.prefix(80)))
        // `not` inverts the answer the bound gave: the event is counted as not matching the pattern.
        let negated = try FieldCondition(key: "user_agent|not|re", values: ["(a|aa)+$"])
        #expect(negated.holds(for: .string(Self.catastrophic)))
    }

    @Test("honest patterns match as before, and are never given up on", arguments: [
        ("^aws-sdk-go", "aws-sdk-go-v2/1.32.4", true), ("(a|aa)+$", "aaaa", true), ("(a|aa)+$", "aaab", false),
        ("kv-.*-prod", "KV-Payments-Prod", true), ("^10\\.", "192.168.0.10", false),
        ("kv-[a-z]+-prod", String(repeating: "kv-", count: 2700), false),
    ])
    func honestPatterns(_ pattern: String, _ value: String, _ expected: Bool) throws {
        let compiled = try BoundedPattern(pattern)
        #expect(compiled.matches(value) == expected)
        #expect(compiled.abandonedMatches.count == 0)
    }

    @Test("quadratic work on a long value is given up on too: the bound is on work, whatever the pattern")
    func quadraticOnLongValue() throws {
        let pattern = try BoundedPattern(".*x.*y")
        #expect(!pattern.matches(String(repeating: "z", count: 8000)))
        #expect(pattern.abandonedMatches.count == 1)
        #expect(pattern.matches(String(repeating: "z", count: 100) + "xzy"))
    }

    @Test("a rule lists the patterns of its conditions and exceptions")
    func rulePatterns() throws {
        let rules = try RuleFile.parse("""
            rules:
              - id: r
                type: match
                where: {user_agent|re: "^curl", operation: Decrypt}
                unless: {principal|re: ["role/ci$", "role/scanner$"]}
            """, file: "r.yaml")
        #expect(rules.first?.patterns.map(\.source) == ["^curl", "role/ci$", "role/scanner$"])
    }
}
