import KeywatchCore

/// An alert on its way to a sink: the alert, its JSON of SPEC §4 exactly as stored, and its
/// evidence events.
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

    /// A stored alert.
    /// - Throws: when the JSON is not an alert (a damaged row), naming the member at fault.
    public init(json: String, events: [Event] = []) throws(AlertDecodingError) {
        self.alert = try Alert(json: json)
        self.json = json
        self.events = events
    }

    /// An alert at hand (`keywatch sinks test`'s), with its JSON written now.
    public init(_ alert: Alert, events: [Event] = []) {
        self.alert = alert
        self.json = alert.json
        self.events = events
    }
}
