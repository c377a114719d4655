import Foundation
import KeywatchCurl

/// Sends each alert as an e-mail through an SMTP server (libcurl): `smtp://` upgraded with
/// STARTTLS — required whenever credentials are set, so a password never crosses in the clear
/// — or `smtps://`.
///
/// A refused recipient or sender (5xx) is final; refused connections, timeouts, TLS and
/// authentication failures are retried until the maximum age, since an operator may fix them.
public struct EmailSink: AlertSink {
    public let name: String
    public let url: String
    public let from: String
    public let to: [String]
    public let policy: DeliveryPolicy
    /// The body lists the evidence events.
    public var wantsEvidence: Bool { true }
    private let username: String?
    private let password: String?

    public init(name: String, url: String, from: String, to: [String], username: String?, password: String?,
                policy: DeliveryPolicy) {
        self.name = name
        self.url = url
        self.from = from
        self.to = to
        self.username = username
        self.password = password
        self.policy = policy
    }

    public func deliver(_ alert: OutgoingAlert, isCancelled: @escaping @Sendable () -> Bool) throws(DeliveryError) -> String {
        let message = EmailMessage.compose(alert, from: from, to: to)
        let request = CurlRequest(
            url: url, protocols: .mail, timeout: policy.timeout, caFile: policy.caFile, body: message,
            username: username, password: password, mailFrom: from, recipients: to,
            requireTLS: username != nil || password != nil)
        let response: CurlResponse
        do {
            response = try Curl.perform(request, isCancelled: isCancelled)
        } catch {
            throw DeliveryError(error)
        }
        return "SMTP \(response.status)"
    }
}
