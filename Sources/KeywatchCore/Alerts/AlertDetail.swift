/// A rule-type detail of an alert: counts, thresholds, baselines, values seen, namespaces, and
/// what a configuration change changed.
public struct AlertDetail: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case integer(Int)
        case number(Double)
        case list([String])
        /// Values that changed, old → new (a `change` rule's `changed`): the alert JSON writes
        /// `{"networkAcls.defaultAction": ["Deny", "Allow"]}`, null for a value not known.
        case changes([Change])
    }

    /// One value that changed: `networkAcls.defaultAction` from `Deny` to `Allow`. `old` is nil
    /// when nothing was known before (the first change of a vault seen); `new` when the value is
    /// no longer known.
    public struct Change: Sendable, Equatable {
        public var name: String
        public var old: String?
        public var new: String?

        public init(_ name: String, old: String?, new: String?) {
            self.name = name
            self.old = old
            self.new = new
        }

        /// `networkAcls.defaultAction Deny → Allow`, `(unknown)` for a value not known: how the
        /// summary, the text of `details.changed` and the e-mail say it.
        public var description: String { "\(name) \(old ?? "(unknown)") → \(new ?? "(unknown)")" }
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}
