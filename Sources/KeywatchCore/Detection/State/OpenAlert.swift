/// An alert that a group's later events join, and the slot (window or suppression period) it covers.
struct OpenAlert: Sendable {
    var slot: Int64
    var alert: Alert
}
