/// A rule's regular expression (`field|re: …`), matched in time linear in the value's length.
///
/// Every value a pattern is matched against comes from a log record. A backtracking engine
/// (ICU's, behind `NSRegularExpression`) can take exponential time on a crafted value —
/// `(a|aa)+$` against a hundred `a`s and a `b` — and a budget per value only bounds the harm
/// per value, while a push can hold thousands of them. So patterns run on a Thompson automaton
/// of keywatch's own (``PatternProgram``, ``PatternMatcher``): at most the pattern's length of
/// work per scalar of the value, whatever either holds.
///
/// The syntax is ICU's, as most patterns use it: literals and escapes (`\.`, `\t`, `\x41`,
/// `\u00e9`), `.`, classes (`[a-z0-9_]`, `[^/]`), `\d \w \s` and their negations, `^ $ \b \B \A \Z
/// \z`, groups (`(…)`, `(?:…)`, `(?<name>…)`), `|`, and the quantifiers `* + ? {n} {n,} {n,m}`
/// (lazy ones too: whether a pattern matches somewhere does not depend on laziness). Matching is
/// case-insensitive, as every string comparison of a rule is. Refused, with the reason:
/// backreferences, lookaround, possessive quantifiers, `\p{…}`, and flags other than `i`.
///
/// ```swift
/// let agent = try RulePattern("^aws-sdk-(go|java)")
/// agent.matches("AWS-SDK-go-v2/1.32.4")   // true
/// ```
public struct RulePattern: Sendable {
    /// The pattern as written in the rule.
    public let source: String
    private let matcher: PatternMatcher

    /// Compiles `source`.
    /// - Throws: what in the pattern cannot be read, and where.
    public init(_ source: String) throws(RuleError) {
        self.source = source
        do {
            let node = try PatternParser.parse(source)
            matcher = PatternMatcher(program: try PatternProgram(node))
        } catch {
            throw RuleError("'\(source)' is not a regular expression keywatch reads: \(error)")
        }
    }

    /// Whether the pattern matches somewhere in `text`.
    public func matches(_ text: String) -> Bool {
        matcher.matches(text.unicodeScalars.map(\.value))
    }
}
