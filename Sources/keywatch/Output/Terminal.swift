#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What standard output is attached to, for output meant for people: a terminal gets tables
/// fitted to its width and severity in colour; a pipe or a file gets every byte of every cell
/// and no escape sequences, so scripts and `grep` see the whole text.
enum Terminal {
    /// Whether standard output is a terminal.
    static let isTerminal = isatty(STDOUT_FILENO) == 1

    /// The width tables are fitted to: the terminal's columns (TIOCGWINSZ on standard output,
    /// else `$COLUMNS`, else 80); nil when standard output is not a terminal — piped output is
    /// never cut.
    static let width: Int? = {
        guard isTerminal else { return nil }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        return 80
    }()

    /// Whether to colour: on a terminal only, and not when `NO_COLOR` is set and not empty
    /// (https://no-color.org).
    static let colours: Bool = isTerminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty

    /// `text` in bold when colours are on: a heading among the rows under it.
    static func bold(_ text: String) -> String {
        colours ? "\u{1B}[1m\(text)\u{1B}[0m" : text
    }
}

/// ANSI colours for an alert's severity, so the alerts that matter stand out on a terminal.
enum SeverityColour {
    /// The SGR parameters for `severity` (`1;31` bold red for critical, …); nil for none.
    static func code(for severity: String) -> String? {
        switch severity.lowercased() {
        case "critical": return "1;31"
        case "high": return "31"
        case "medium": return "33"
        case "low": return "36"
        default: return nil
        }
    }

    /// `text` wrapped in the colour of `severity` when colours are on (``Terminal/colours``).
    static func paint(_ text: String, severity: String) -> String {
        guard Terminal.colours, let code = code(for: severity) else { return text }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}
