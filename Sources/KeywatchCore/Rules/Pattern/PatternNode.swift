/// A rule's regular expression, parsed: what ``PatternProgram`` compiles.
indirect enum PatternNode: Equatable {
    /// Matches the empty string (an empty alternative, `()`).
    case empty
    /// One scalar, compared case-insensitively.
    case scalar(Unicode.Scalar)
    /// One scalar of a set: a class (`[a-z]`), `.`, `\d`, `\w`, `\s` and their negations.
    case set(ScalarSet)
    /// A position: `^`, `$`, `\b`, …
    case assertion(PatternAssertion)
    case concatenation([PatternNode])
    case alternation([PatternNode])
    /// `node` at least `minimum` times and at most `maximum` (nil: no limit).
    case repetition(PatternNode, minimum: Int, maximum: Int?)
}

/// A zero-width condition on the position between two scalars.
enum PatternAssertion: Equatable {
    /// `^`, `\A`: the start of the value.
    case start
    /// `$`, `\Z`: the end, or just before a line terminator that ends the value.
    case endOrFinalLineTerminator
    /// `\z`: the very end.
    case end
    /// `\b`: between a word scalar and anything else.
    case wordBoundary
    /// `\B`: not between a word scalar and anything else.
    case notWordBoundary
}
