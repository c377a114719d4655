import KeywatchCore

/// An alert on its way to a sink: the alert, its JSON of docs/alerts.md exactly as stored, its
/// evidence events, and whether the delivery announces it firing or resolved.
///
/// Webhooks post and sign ``json`` itself, not the alert written again: a stored alert's JSON
/// may differ from what this version would write (an id the store set with `json_set`), and a
/// receiver checks the signature over the bytes the store holds.
public struct OutgoingAlert: Sendable {
    /// The alert, read from ``json``: what an e-mail shows.
    public var alert: Alert
    /// The alert's JSON exactly as stored: what a webhook posts.
    public var json: String
    /// The evidence events still in the store, oldest first.
    public var events: [Event]
    /// What the delivery tells the sink: the alert raised, or its resolution. The JSON is the
    /// alert as it stands when sent, so a raised alert sent after it resolved says `resolved`.
    public var announces: AlertStatus

    /// A stored alert.
    /// - Throws: when the JSON is not an alert (a damaged row), naming the member at fault.
    public init(json: String, events: [Event] = [], announces: AlertStatus = .firing) throws(AlertDecodingError) {
        self.alert = try Alert(json: json)
        self.json = json
        self.events = events
        self.announces = announces
    }

    /// An alert at hand (`keywatch sinks test`'s), with its JSON written now.
    public init(_ alert: Alert, events: [Event] = [], announces: AlertStatus = .firing) {
        self.alert = alert
        self.json = alert.json
        self.events = events
        self.announces = announces
    }

    /// The message's identity for the receiver (`webhook-id`, the e-mail's `Message-ID`): the
    /// alert id when it announces the alert, `<id>-resolved` for its resolution — the same on
    /// every retry, another for each message.
    public var messageID: String {
        announces == .resolved ? alert.id + "-resolved" : alert.id
    }
}
