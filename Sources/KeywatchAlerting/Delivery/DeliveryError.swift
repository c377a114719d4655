import CCurl
import KeywatchCurl

/// Why a delivery failed, in words an operator can act on, and whether trying again can help.
public struct DeliveryError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Nothing listens at the address (connection refused).
        case refused
        /// The host name does not resolve.
        case unresolved
        case timeout
        /// The TLS handshake or the peer's certificate failed (untrusted, expired, wrong name),
        /// or the server would not start TLS when it was required.
        case tls
        /// The server refused the credentials.
        case authentication
        /// The SMTP server refused a recipient.
        case recipientRejected = "recipient rejected"
        /// The SMTP server refused the sender.
        case senderRejected = "sender rejected"
        /// The receiver answered with a status that means no.
        case rejected
        /// The connection broke, or the server answered nothing.
        case network
        /// The sink's settings cannot work (a malformed URL, an unreadable CA file).
        case configuration
        /// The daemon is stopping; the delivery stays pending.
        case cancelled
    }

    public var kind: Kind
    public var message: String
    /// Trying again later cannot succeed: the delivery ends as `dead`.
    public var isPermanent: Bool
    /// Seconds the receiver asked to wait (`Retry-After`).
    public var retryAfter: Double?

    public init(_ kind: Kind, _ message: String, permanent: Bool = false, retryAfter: Double? = nil) {
        self.kind = kind
        self.message = message
        isPermanent = permanent
        self.retryAfter = retryAfter
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// A failed libcurl transfer, classified. `replyCode` is the last HTTP status or SMTP reply.
    init(_ failure: CurlFailure) {
        let (code, detail, replyCode, cancelled) = (failure.code, failure.detail, failure.replyCode, failure.cancelled)
        if failure.beforeTransfer {
            self.init(.configuration, detail)
            return
        }
        switch code {
        case CURLE_ABORTED_BY_CALLBACK where cancelled:
            self.init(.cancelled, "stopped while delivering")
        case CURLE_COULDNT_CONNECT:
            self.init(.refused, "cannot connect (\(detail))")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self.init(.unresolved, detail)
        case CURLE_OPERATION_TIMEDOUT:
            self.init(.timeout, detail)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            self.init(.tls, detail)
        case CURLE_USE_SSL_FAILED:
            self.init(.tls, "the server does not offer STARTTLS, which is required to send credentials (\(detail))")
        case CURLE_SSL_CACERT_BADFILE:
            self.init(.configuration, "cannot use the CA file: \(detail)")
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR:
            self.init(.authentication, "the server refused the username or password (\(detail))")
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            self.init(.configuration, detail, permanent: true)
        default:
            // libcurl reports SMTP refusals as send errors with the command in its message:
            // "RCPT failed: 550", "MAIL failed: 553". 5xx replies are final; 4xx ones pass.
            if detail.hasPrefix("RCPT failed") {
                self.init(.recipientRejected, "the server refused a recipient (\(detail))", permanent: replyCode >= 500)
            } else if detail.hasPrefix("MAIL failed") {
                self.init(.senderRejected, "the server refused the sender (\(detail))", permanent: replyCode >= 500)
            } else if replyCode == 535 {
                self.init(.authentication, "the server refused the username or password (\(detail))")
            } else {
                self.init(.network, detail)
            }
        }
    }
}
