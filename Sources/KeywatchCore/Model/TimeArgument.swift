/// Times given on the command line: RFC 3339 (or the other layouts ``Timestamp`` reads), or a
/// span before `now` such as `15m`, `24h`, `7d`.
public enum TimeArgument {
    public static func parse(_ text: String, now: Timestamp) -> Timestamp? {
        if let absolute = Timestamp(parsing: text) { return absolute }
        if let span = EventDuration(parsing: text) { return now - span }
        return nil
    }
}
