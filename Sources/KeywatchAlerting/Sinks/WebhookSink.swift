import Crypto
import Foundation
import KeywatchCurl

/// POSTs the alert's JSON to a URL, signed the Standard Webhooks way when a secret is set:
/// `webhook-id` (the alert id, or `<id>-resolved` for its resolution: the same on every retry,
/// so a receiver can deduplicate),
/// `webhook-timestamp` (seconds), and `webhook-signature: v1,<base64 HMAC-SHA256 of
/// "<id>.<timestamp>.<body>">`. Receivers verify with any Standard Webhooks library.
///
/// 2xx is delivered; 408, 429 and 5xx are retried (429 and 503 after their `Retry-After`);
/// any other status is final.
public struct WebhookSink: AlertSink {
    public let name: String
    public let url: String
    public let policy: DeliveryPolicy
    private let key: SymmetricKey?

    /// - Parameter secret: the signing secret. `whsec_<base64>` (as Standard Webhooks libraries
    ///   generate) signs with the decoded bytes; any other text with its UTF-8 bytes.
    public init(name: String, url: String, secret: String?, policy: DeliveryPolicy) {
        self.name = name
        self.url = url
        self.policy = policy
        key = secret.map(Self.signingKey)
    }

    static func signingKey(_ secret: String) -> SymmetricKey {
        if secret.hasPrefix("whsec_"), let decoded = Data(base64Encoded: String(secret.dropFirst(6))) {
            return SymmetricKey(data: decoded)
        }
        return SymmetricKey(data: Data(secret.utf8))
    }

    /// `v1,<base64>` for the body sent with this id at this time.
    static func signature(id: String, timestamp: Int, body: [UInt8], key: SymmetricKey) -> String {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    public func deliver(_ alert: OutgoingAlert, isCancelled: @escaping @Sendable () -> Bool) throws(DeliveryError) -> String {
        let body = Array(alert.json.utf8)
        var headers = ["Content-Type: application/json", "User-Agent: keywatch", "Expect:"]
        let timestamp = Int(Date().timeIntervalSince1970)
        let id = Self.headerSafe(alert.messageID)
        headers.append("webhook-id: \(id)")
        headers.append("webhook-timestamp: \(timestamp)")
        if let key {
            headers.append("webhook-signature: \(Self.signature(id: id, timestamp: timestamp, body: body, key: key))")
        }
        let response: CurlResponse
        do {
            response = try Curl.perform(
                CurlRequest(url: url, protocols: .web, timeout: policy.timeout, caFile: policy.caFile, headers: headers, body: body),
                isCancelled: isCancelled)
        } catch {
            throw DeliveryError(error)
        }
        return try Self.outcome(of: response)
    }

    /// Delivered, retried, or final, by status.
    static func outcome(of response: CurlResponse) throws(DeliveryError) -> String {
        let status = response.status
        if (200..<300).contains(status) { return "HTTP \(status)" }
        let said = String(decoding: response.body.prefix(200), as: UTF8.self)
        let message = "HTTP \(status)" + (said.isEmpty ? "" : ": \(said)")
        switch status {
        case 429, 503:
            throw DeliveryError(.rejected, message, retryAfter: response.headers["retry-after"].flatMap(RetryAfter.seconds))
        case 408, 500...599:
            throw DeliveryError(.rejected, message)
        case 300..<400:
            throw DeliveryError(.rejected, message + " (redirects are not followed; configure the final URL)", permanent: true)
        default:
            throw DeliveryError(.rejected, message, permanent: true)
        }
    }

    /// Ids are ours (`kw-` and hex), but a header never takes a CR or LF from anywhere.
    private static func headerSafe(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init))
    }
}

/// `Retry-After`: seconds, or an HTTP date.
enum RetryAfter {
    static func seconds(_ value: String) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds >= 0, seconds.isFinite { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSinceNow)
    }
}
