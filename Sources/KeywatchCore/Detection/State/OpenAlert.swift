/// An alert that a group's later events join, and the period (window or suppression period) it covers.
struct OpenAlert: Sendable {
    var period: Int64
    var alert: Alert
}
