extension Alert {
    /// A field of the alert as text, by its JSON name: `count`, `severity`, `status`, `window.start`,
    /// `group.<field>`, `details.<name>` (lists joined by commas, changes as `name old → new, …`), `events` (how many).
    public func text(of field: String) -> String? {
        if field.hasPrefix("group.") { return groupValue(String(field.dropFirst(6))) }
        if field.hasPrefix("details.") {
            let name = field.dropFirst(8)
            guard let detail = details.first(where: { $0.name == name }) else { return nil }
            switch detail.value {
            case .text(let text): return text
            case .integer(let number): return String(number)
            case .number(let number): return FieldValue.number(number).text
            case .list(let items): return items.joined(separator: ",")
            case .changes(let changes): return changes.map(\.description).joined(separator: ", ")
            }
        }
        switch field {
        case "id": return id
        case "key": return key
        case "rule": return rule
        case "title": return title
        case "severity": return severity.rawValue
        case "status": return status.rawValue
        case "resolved_at": return resolvedAt?.rfc3339
        case "count": return String(count)
        case "summary": return summary
        case "first_seen": return firstSeen.rfc3339
        case "last_seen": return lastSeen.rfc3339
        case "window.start": return window?.start.rfc3339
        case "window.end": return window?.end.rfc3339
        case "events": return String(events.count)
        default: return nil
        }
    }
}
