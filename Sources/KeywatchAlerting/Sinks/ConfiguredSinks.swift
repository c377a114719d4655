import KeywatchCore

/// The outbox sinks of a configuration (webhooks and e-mail; stdout has no outbox), with their
/// secrets read.
public enum ConfiguredSinks {
    /// - Parameter resolve: reads a secret from its environment variable or file; `what` names
    ///   the setting for the error (`sinks.webhook.secret`).
    public static func make(
        _ sinks: [DaemonConfiguration.Sink], resolve: (DaemonConfiguration.Secret, _ what: String) throws -> String
    ) throws -> [any AlertSink] {
        try sinks.compactMap { sink -> (any AlertSink)? in
            switch sink {
            case .stdout:
                return nil
            case .webhook(let webhook):
                return WebhookSink(name: webhook.name, url: webhook.url,
                                   secret: try webhook.secret.map { try resolve($0, "sink \(webhook.name): secret") },
                                   policy: DeliveryPolicy(webhook.delivery))
            case .email(let email):
                return EmailSink(name: email.name, url: email.url, from: email.from, to: email.to,
                                 username: try email.username.map { try resolve($0, "sink \(email.name): username") },
                                 password: try email.password.map { try resolve($0, "sink \(email.name): password") },
                                 policy: DeliveryPolicy(email.delivery))
            }
        }
    }
}
