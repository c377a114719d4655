import KeywatchCore

/// Times given on the command line: RFC 3339 (or the other layouts ``Timestamp`` reads), or a
/// span before `now` such as `15m`, `24h`, `7d`.
enum TimeArgument {
    /// The time `text` names; nil when it is neither a time nor a duration.
    static func parse(_ text: String, now: Timestamp) -> Timestamp? {
        try? parseExplaining(text, now: now)
    }

    /// The time `text` names, or why it names none: a span longer than ``EventDuration/maximum``
    /// is told apart from text that is no time at all.
    static func parseExplaining(_ text: String, now: Timestamp) throws(DurationError) -> Timestamp {
        if let absolute = Timestamp(parsing: text) { return absolute }
        return now - (try EventDuration(validating: text))
    }
}
