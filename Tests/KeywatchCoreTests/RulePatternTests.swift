import Foundation
import Testing
import KeywatchTestSupport
@testable import KeywatchCore

/// A rule's regular expressions: ICU's answers on the syntax keywatch reads, in time linear in the value.
@Suite("Rule patterns")
struct RulePatternTests {
    /// Whether ICU (NSRegularExpression, case-insensitive) finds `pattern` somewhere in `text`.
    static func icuMatches(_ pattern: String, _ text: String) -> Bool? {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return nil }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    @Test("the patterns rules use answer as ICU does", arguments: [
        ("^aws-sdk-(go|java)", "aws-sdk-go-v2/1.32.4"), ("^aws-sdk-(go|java)", "Boto3/1.34"), ("kv-.*-prod", "KV-Payments-Prod"),
        ("^10\\.", "192.168.0.10"), ("^10\\.", "10.0.0.1"), ("role/(ci|scanner)$", "arn:aws:iam::1:role/CI"),
        ("\\bdb-password\\b", "secrets/db-password/01"), ("\\bdb\\b", "mydb"), ("^[0-9a-f]{8}-[0-9a-f]{4}", "8D116ECE-1738-47d9"),
        ("\\d{3,}", "ab12c"), ("\\d{3,}", "a1234"), ("^\\S+$", "no spaces"), ("^\\S+$", "none"), ("a.c", "a\nc"), ("a.c", "abc"),
        ("end$", "the end\n"), ("end$", "the end\r\n"), ("end$", "the end\n\n"), ("end\\z", "the end\n"), ("^$", ""),
        ("[^/]+$", "a/b/c"), ("[^a-z]", "ABC"), ("[^a-z]", "AB1"), ("(?i)Secret", "SECRET"), ("(?:ab)+c", "ababc"),
        ("(?<name>x)y", "xy"), ("caf\\u00e9", "CAFÉ"), ("\\x41", "a"), ("a{2}b", "aab"), ("a{2}b", "ab"), ("colou?r", "color"),
        ("x*", ""), ("(a|)+b", "b"), ("\\w+@\\w+\\.com", "ops@example.com"), ("[\\d.]+", "v1.2"), ("\\.", "abc"),
    ])
    func likeICU(_ pattern: String, _ text: String) throws {
        #expect(try RulePattern(pattern).matches(text) == Self.icuMatches(pattern, text), "\(pattern) on \(text.debugDescription)")
    }

    /// Random patterns over a small alphabet, from the syntax keywatch reads, against random values.
    @Test("random patterns and values: the same answers as ICU")
    func randomAgainstICU() throws {
        var random = SplitMix64(seed: 30)
        let alphabet: [String] = ["a", "b", "A", " ", "1", "é", "\n", "-", "_", "\r"]
        let atoms: [String] = ["a", "b", "B", "1", " ", "é", "-", ".", "\\d", "\\w", "\\s", "\\W", "\\D", "[ab]", "[^a]", "[a-c1]",
                               "[^\\s]", "[_-]", "\\.", "\\n", "\\-"]
        func pattern(_ depth: Int) -> String {
            var text = ""
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                var piece: String
                switch Int.random(in: 0..<10, using: &random) {
                case 0 where depth < 3: piece = "(" + pattern(depth + 1) + "|" + pattern(depth + 1) + ")"
                case 1 where depth < 3: piece = "(?:" + pattern(depth + 1) + ")"
                case 2: piece = ["^", "$", "\\b", "\\B", "\\z", "\\A"].randomElement(using: &random)!
                default: piece = atoms.randomElement(using: &random)!
                }
                if !piece.hasPrefix("\\b") && !piece.hasPrefix("\\B") && !["^", "$", "\\z", "\\A"].contains(piece) {
                    piece += ["", "", "*", "+", "?", "{2}", "{1,2}", "{0,}"].randomElement(using: &random)!
                }
                text += piece
            }
            return text
        }
        var compared = 0
        for _ in 0..<3000 {
            let source = pattern(0)
            guard let compiled = try? RulePattern(source) else {
                Issue.record("keywatch refused \(source.debugDescription)")
                continue
            }
            for _ in 0..<8 {
                let value = (0..<Int.random(in: 0...8, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
                guard let expected = Self.icuMatches(source, value) else { continue }
                #expect(compiled.matches(value) == expected, "\(source.debugDescription) on \(value.debugDescription)")
                compared += 1
            }
        }
        #expect(compared > 20_000)
    }

    @Test("patterns that take a backtracking engine exponential time take linear time here", .timeLimit(.minutes(1)), arguments: [
        ("(a|aa)+$", String(repeating: "a", count: 8000) + "b", "baa"), ("(a*)*b", String(repeating: "a", count: 8000), "aaab"),
        ("(x+x+)+y", String(repeating: "x", count: 8000), "xxy"), (".*x.*y.*z", String(repeating: "x", count: 8000), "xyz"),
        ("^(\\w+\\s?)*$", String(repeating: "word ", count: 1600) + "!", "two words"),
    ])
    func linearTime(_ pattern: String, _ hostile: String, _ matching: String) throws {
        let compiled = try RulePattern(pattern)
        let started = ContinuousClock.now
        #expect(!compiled.matches(hostile))
        // The bound is in work, not time; a minute would be the exponential engine's, not ours (about 10 ms here).
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(compiled.matches(matching))
    }

    @Test("what a linear-time matcher cannot do is refused, saying what and where", arguments: [
        ("(a)\\1", "backreferences"), ("(?=a)b", "lookaround"), ("(?<!a)b", "lookaround"), ("a*+", "possessive"),
        ("\\p{L}", "\\p is not supported"), ("(?m)^a", "flags other than i"), ("a**", "two quantifiers"), ("*a", "nothing to repeat"),
        ("(a", "'(' is not closed"), ("a)", "unmatched ')'"), ("[a", "'[' is not closed"), ("[z-a]", "range's end is before its start"),
        ("a{5,2}", "maximum is below its minimum"), ("a{1001}", "counts are at most 1000"), ("\\y", "not an escape"),
        ("(a{1000}){1000}", "too large"),
    ])
    func refused(_ pattern: String, _ reason: String) {
        do {
            _ = try RulePattern(pattern)
            Issue.record("\(pattern) was accepted")
        } catch {
            #expect(error.message.hasPrefix("'\(pattern)' is not a regular expression keywatch reads: "))
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }

    @Test("a rule file names the condition whose pattern cannot be read")
    func ruleFileError() {
        do {
            _ = try RuleFile.parse("rules:\n  - id: r\n    type: match\n    where: {user_agent|re: \"(?=curl)\"}\n", file: "r.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasPrefix("r.yaml:4: rule r: where.user_agent|re: '(?=curl)' is not a regular expression keywatch reads: lookaround"),
                    "\(error)")
        }
    }
}
