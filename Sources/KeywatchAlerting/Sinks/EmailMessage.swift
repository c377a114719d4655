import Foundation
import KeywatchCore

/// The e-mail for an alert (RFC 5322, CRLF lines): a subject `[keywatch][<severity>] <title>`
/// and a plain-text body with the summary, group, window, counts and evidence events. A resolved
/// alert says RESOLVED in its subject and first line, and its resolution's message replies to
/// the alert's (`In-Reply-To`), so mail clients show the two together.
///
/// Everything in it may come from a log record, so nothing reaches a header raw: control
/// characters (a CR/LF that would start a new header among them) become spaces, and non-ASCII
/// text is encoded (RFC 2047). The body is quoted-printable, so long lines and any byte are
/// safe; in it, controls are shown as visible escapes (`\x0d`).
public enum EmailMessage {
    /// The message bytes, headers and body.
    public static func compose(_ outgoing: OutgoingAlert, from: String, to: [String], date: Date = Date()) -> [UInt8] {
        let alert = outgoing.alert
        var lines: [String] = [
            "Date: \(rfc5322(date))",
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: " + encodedHeader(subject(of: alert)),
            "Message-ID: \(messageID(outgoing.messageID))",
        ]
        if outgoing.announces == .resolved {
            lines += ["In-Reply-To: \(messageID(alert.id))", "References: \(messageID(alert.id))"]
        }
        lines += [
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "Auto-Submitted: auto-generated",
            "",
        ]
        lines += body(of: outgoing).map(quotedPrintable)
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// `[keywatch][high] Denied KMS calls` (`[keywatch][RESOLVED][medium] …` once resolved) — one
    /// line, at most 200 characters of title.
    public static func subject(of alert: Alert) -> String {
        let resolved = alert.status == .resolved ? "[RESOLVED]" : ""
        return "[keywatch]\(resolved)[\(headerText(alert.severity.rawValue, limit: 20))] \(headerText(alert.title, limit: 200))"
    }

    /// `<kw-…@keywatch.invalid>`: the id as a header can carry it.
    private static func messageID(_ id: String) -> String {
        "<\(headerText(id, limit: 64).replacingOccurrences(of: " ", with: "-"))@keywatch.invalid>"
    }

    /// The body's lines, before transfer encoding.
    static func body(of outgoing: OutgoingAlert) -> [String] {
        let alert = outgoing.alert
        func line(_ label: String, _ value: String) -> String {
            label.padding(toLength: 12, withPad: " ", startingAt: 0) + TerminalText.escape(value)
        }
        var lines: [String] = []
        if let resolvedAt = alert.resolvedAt { lines += ["RESOLVED at \(resolvedAt.rfc3339): what this alert reported has ended.", ""] }
        lines += [TerminalText.escape(alert.summary), ""]
        lines.append(line("Rule", "\(alert.rule) (\(alert.severity.rawValue)): \(alert.title)"))
        if !alert.group.isEmpty {
            lines.append(line("Group", alert.group.map { "\($0.field)=\($0.value)" }.joined(separator: ", ")))
        }
        if let window = alert.window { lines.append(line("Window", "\(window.start.rfc3339) to \(window.end.rfc3339)")) }
        lines.append(line("First seen", alert.firstSeen.rfc3339))
        lines.append(line("Last seen", alert.lastSeen.rfc3339))
        if let resolvedAt = alert.resolvedAt { lines.append(line("Resolved", resolvedAt.rfc3339)) }
        lines.append(line("Count", String(alert.count)))
        for detail in alert.details { lines.append(line(detail.name.prefix(11) + "", text(of: detail.value))) }
        lines.append(line("Alert", "\(alert.id) (key \(alert.key))"))
        if !alert.ruleFile.isEmpty { lines.append(line("Rule file", alert.ruleFile)) }
        lines.append("")
        let events = outgoing.events
        lines.append("Evidence (\(events.count) of \(alert.events.count) event\(alert.events.count == 1 ? "" : "s")):")
        for event in events {
            let fields = [event.time.rfc3339, event.source.rawValue, event.operation, event.outcome.rawValue,
                          event.principalName ?? event.principal ?? "-", event.objectName ?? event.resource ?? "-", event.ip ?? "-"]
            lines.append(TerminalText.escape(fields.joined(separator: "  ")))
        }
        if events.count < alert.events.count {
            lines.append("(\(alert.events.count - events.count) evidence event(s) are no longer in the store)")
        }
        lines.append("")
        lines.append("Investigate: keywatch alerts show \(TerminalText.escape(alert.id))")
        return lines
    }

    /// A detail as the body shows it: text as it is, lists comma-separated, changes as `name old → new`, numbers as the
    /// alert's JSON writes them.
    static func text(of value: AlertDetail.Value) -> String {
        switch value {
        case .text(let text): text
        case .integer(let number): String(number)
        case .number(let number): "\(number)"
        case .list(let items): items.joined(separator: ", ")
        case .changes(let changes): changes.map(\.description).joined(separator: ", ")
        }
    }

    /// Header text from a log value: control characters (and line separators) become spaces,
    /// runs of spaces one, at most `limit` characters.
    static func headerText(_ text: String, limit: Int) -> String {
        var out = ""
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let space = TerminalText.needsEscape(scalar) || scalar == " " || scalar == "\t"
            if space {
                if !lastWasSpace, !out.isEmpty { out.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                out.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out.count > limit ? String(out.prefix(limit - 1)) + "…" : out
    }

    /// Printable ASCII as it is; anything else as RFC 2047 encoded words of at most 45 bytes
    /// (75 characters encoded), folded onto continuation lines.
    static func encodedHeader(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return text }
        var words: [[UInt8]] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append(chunk)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?" + Data($0).base64EncodedString() + "?=" }.joined(separator: "\r\n ")
    }

    /// One line, quoted-printable (RFC 2045 §6.7): lines of at most 76 characters, soft breaks
    /// ending in `=`.
    static func quotedPrintable(_ line: String) -> String {
        let bytes = Array(line.utf8)
        var out = ""
        var width = 0
        for (index, byte) in bytes.enumerated() {
            let last = index == bytes.count - 1
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !last)
            let piece = literal ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
            if width + piece.count > 75 {
                out += "=\r\n"
                width = 0
            }
            out += piece
            width += piece.count
        }
        return out
    }

    private static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
