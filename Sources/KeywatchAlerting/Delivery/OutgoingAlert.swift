import KeywatchCore

/// An alert on its way to a sink: the JSON of SPEC §4 exactly as stored (what webhooks post),
/// the fields an e-mail shows, read back from it, and its evidence events.
public struct OutgoingAlert: Sendable {
    public var json: String
    public var id = ""
    public var key = ""
    public var rule = ""
    public var title = ""
    public var severity = ""
    public var summary = ""
    public var group: [(field: String, value: String)] = []
    public var count = 0
    public var window: (start: String, end: String)?
    public var firstSeen = ""
    public var lastSeen = ""
    /// Rule-type details as `name: value` text.
    public var details: [(name: String, value: String)] = []
    /// Evidence event keys (up to 20).
    public var eventKeys: [String] = []
    public var ruleFile = ""
    /// The evidence events still in the store, oldest first.
    public var events: [Event] = []

    /// Reads the fields back from an alert's JSON; a field that is missing stays empty.
    public init(json: String, events: [Event] = []) {
        self.json = json
        self.events = events
        var bytes = Array(json.utf8)
        _ = try? bytes.withUnsafeMutableBytes { buffer in
            try JSONParser().parse(UnsafeRawBufferPointer(buffer)) { document in
                let root = document.root
                func text(_ name: String) -> String { root.member(named: name)?.string ?? "" }
                id = text("id")
                key = text("key")
                rule = text("rule")
                title = text("title")
                severity = text("severity")
                summary = text("summary")
                firstSeen = text("first_seen")
                lastSeen = text("last_seen")
                ruleFile = text("rule_file")
                count = root.member(named: "count")?.integer ?? 0
                group = root.member(named: "group").map { $0.members.map { ($0.key.string ?? "", $0.value.string ?? "") } } ?? []
                if let window = root.member(named: "window"), let start = window["start"]?.string, let end = window["end"]?.string {
                    self.window = (start, end)
                }
                details = root.member(named: "details").map { $0.members.map { ($0.key.string ?? "", Self.text(of: $0.value)) } } ?? []
                eventKeys = root.member(named: "events").map { $0.elements.compactMap(\.string) } ?? []
            }
        }
    }

    /// A detail's value as text: strings as they are, lists comma-separated, numbers as written.
    private static func text(of value: JSONValue) -> String {
        switch value.kind {
        case .string: value.string ?? ""
        case .array: value.elements.map { text(of: $0) }.joined(separator: ", ")
        default: String(decoding: value.rawBytes, as: UTF8.self)
        }
    }
}
