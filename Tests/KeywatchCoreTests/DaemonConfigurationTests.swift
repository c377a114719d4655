import Testing
@testable import KeywatchCore

@Suite("Daemon configuration")
struct DaemonConfigurationTests {
    @Test("the example of docs/configuration.md parses into every setting")
    func specExample() throws {
        let text = """
            db: ./keywatch.db
            rules: ./rules                     # identities.yaml inside
            tail:
              - path: /var/log/keyvault
                include: ["**/PT1H.json"]
              - path: /data/cloudtrail/AWSLogs
                include: ["**/*_CloudTrail_*.json.gz"]
            http: {listen: "127.0.0.1:8514", token_env: KEYWATCH_TOKEN, max_body: 10MiB}
            retention: 90d
            sinks:
              - stdout: {format: text}
              - webhook: {url: "https://hooks.example.com/keywatch", secret_env: KEYWATCH_WEBHOOK_SECRET}
              - email: {url: "smtp://mail.example.com:587", from: "keywatch@example.com", to: ["secops@example.com"],
                        username_env: SMTP_USER, password_env: SMTP_PASSWORD}
            """
        let configuration = try DaemonConfiguration.parse(text, file: "keywatch.yaml")
        #expect(configuration.tail == [.init(path: "/var/log/keyvault", include: ["**/PT1H.json"]),
                                       .init(path: "/data/cloudtrail/AWSLogs", include: ["**/*_CloudTrail_*.json.gz"])])
        #expect(configuration.http == .init(host: "127.0.0.1", port: 8514, token: .environment("KEYWATCH_TOKEN"), maximumBodyBytes: 10 << 20))
        #expect(configuration.retention == EventDuration(parsing: "90d"))
        #expect(configuration.sinks == [
            .stdout(format: .text),
            .webhook(.init(url: "https://hooks.example.com/keywatch", secret: .environment("KEYWATCH_WEBHOOK_SECRET"))),
            .email(.init(url: "smtp://mail.example.com:587", from: "keywatch@example.com", to: ["secops@example.com"],
                         username: .environment("SMTP_USER"), password: .environment("SMTP_PASSWORD"))),
        ])
    }

    @Test("accounts and organization add to identities.yaml's own")
    func accounts() throws {
        let configuration = try DaemonConfiguration.parse("accounts: ['111122223333', '444455556666']\norganization: o-a1b2c3d4e5\n",
                                                          file: "k.yaml")
        let identities = IdentityMap(accounts: ["111122223333"]).adding(accounts: configuration.accounts,
                                                                          organizations: configuration.organizations)
        #expect(identities.accounts == ["111122223333", "444455556666"])
        #expect(identities.organizations == ["o-a1b2c3d4e5"])
    }

    @Test("unnamed sinks are named by kind and order; delivery settings parse")
    func sinkNamesAndDelivery() throws {
        let text = """
            sinks:
              - webhook: {url: "https://a.example/x"}
              - webhook: {url: "https://b.example/y", timeout: 3s, max_age: 2h, max_per_minute: 5, ca_file: /etc/ca.pem}
              - email: {url: "smtps://mail:465", from: k@x, to: s@x, name: oncall}
            """
        let sinks = try DaemonConfiguration.parse(text, file: "k.yaml").sinks
        #expect(sinks.map(\.name) == ["webhook", "webhook-2", "oncall"])
        guard case .webhook(let second) = sinks[1] else { Issue.record("not a webhook"); return }
        #expect(second.delivery == .init(timeout: 3, maximumAge: EventDuration(parsing: "2h")!, maximumPerMinute: 5, caFile: "/etc/ca.pem"))
        guard case .email(let email) = sinks[2] else { Issue.record("not an e-mail sink"); return }
        #expect(email.delivery.timeout == 30 && email.to == ["s@x"])
    }

    @Test("no file: the embedded demo — tail ./sample-logs, listen on 127.0.0.1:8514")
    func demo() {
        let configuration = DaemonConfiguration()
        #expect(configuration.tail.map(\.path) == ["./sample-logs"])
        #expect(configuration.http?.port == 8514 && configuration.http?.host == "127.0.0.1")
        #expect(configuration.db == "./keywatch.db" && configuration.rules == "./rules")
        #expect(configuration.sinks == [.stdout(format: .text)])
        #expect(configuration.file == nil)
    }

    @Test("a file is the whole configuration: no tail, no tailing; no http, no listener; no sinks, none; the store and rules default")
    func fileIsTheWholeConfiguration() throws {
        let empty = try DaemonConfiguration.parse("", file: "empty.yaml")
        #expect(empty.tail.isEmpty && empty.http == nil, "an empty file does not run the demo")
        #expect(empty.db == "./keywatch.db" && empty.rules == "./rules")
        #expect(empty.sinks.isEmpty, "alerts go to the sinks the file names, stdout included")
        #expect(empty.file == "empty.yaml")
        let listenOnly = try DaemonConfiguration.parse("db: ./k.db\nhttp: {listen: \"127.0.0.1:9000\"}\n", file: "k.yaml")
        #expect(listenOnly.tail.isEmpty, "no tail: means no tailing of ./sample-logs")
        #expect(listenOnly.http?.port == 9000)
        let tailOnly = try DaemonConfiguration.parse("tail:\n  - path: /var/log/kv\n", file: "k.yaml")
        #expect(tailOnly.http == nil, "no http: means no listener")
        #expect(tailOnly.lines["tail[0].path"] == 2, "the line of each path is kept for the start checks")
        let defaultListener = try DaemonConfiguration.parse("http: {}\n", file: "k.yaml")
        #expect(defaultListener.http == DaemonConfiguration.HTTP(), "http: {} listens on the default address")
    }

    @Test("every problem of a file is reported at once, in its order")
    func everyProblemAtOnce() {
        let text = """
            db: ""
            store: x
            tail:
              - path: /a
                follow_links: maybe
              - include: [x]
            http: {listen: nowhere, max_body: lots, idle_timeout: 2h, port: 80}
            retention: forever
            sinks:
              - webhook: {url: "ftp://x", timeout: 20m}
              - pager: {}
            """
        do {
            _ = try DaemonConfiguration.parse(text, file: "k.yaml")
            Issue.record("accepted")
        } catch {
            let found = error.problems.map(\.description)
            let expected = [
                "k.yaml:1: db: must not be empty", "k.yaml:2: store: unknown key",
                "k.yaml:5: tail[0].follow_links: expected true or false", "k.yaml:6: tail[1].path: missing",
                "k.yaml:7: http.port: unknown key", "k.yaml:7: http.listen: expected host:port", "k.yaml:7: http.max_body: expected a size",
                "k.yaml:7: http.idle_timeout: expected a duration from 1s to 1h", "k.yaml:8: retention: expected a duration",
                "k.yaml:10: sinks[0].webhook.url: expected a URL", "k.yaml:10: sinks[0].webhook.timeout: expected a duration",
                "k.yaml:11: sinks[1].pager: unknown sink",
            ]
            #expect(found.count == expected.count, "\(found.joined(separator: "\n"))")
            for (line, prefix) in zip(found, expected) { #expect(line.hasPrefix(prefix), "\(line)") }
        }
    }

    @Test("every problem names the file, the line and the key", arguments: [
        ("db: k.db\nstore: x\n", "k.yaml:2: store: unknown key"),
        ("db: k.db\naccounts: [\"111122223333\", 12345]\n", "k.yaml:2: accounts: '12345' is not an AWS account id"),
        ("organization: 111122223333\n", "k.yaml:1: organization: '111122223333' is not an AWS organization id"),
        ("tail:\n  - path: /x\n    includes: [a]\n", "k.yaml:3: tail[0].includes: unknown key"),
        ("tail:\n  - include: [a]\n", "k.yaml:2: tail[0].path: missing"),
        ("http: {listen: \"localhost\"}\n", "k.yaml:1: http.listen: expected host:port"),
        ("http:\n  max_body: lots\n", "k.yaml:2: http.max_body: expected a size"),
        ("http: {token_env: A, token_file: /b}\n", "k.yaml:1: http.token_file: give token_env or token_file, not both"),
        ("http: {header_timeout: 0s}\n", "k.yaml:1: http.header_timeout: expected a duration from 1s to 10m"),
        ("http: {idle_timeout: 2h}\n", "k.yaml:1: http.idle_timeout: expected a duration from 1s to 1h"),
        ("http: {max_connections: 0}\n", "k.yaml:1: http.max_connections: expected a whole number from 1"),
        ("http: {idempotency_ttl: soon}\n", "k.yaml:1: http.idempotency_ttl: expected a duration from 1m to 365d"),
        ("retention: forever\n", "k.yaml:1: retention: expected a duration"),
        ("detection:\n  delivery_delay: soon\n", "k.yaml:2: detection.delivery_delay: expected a duration such as 15m"),
        ("detection: {delay: 5m}\n", "k.yaml:1: detection.delay: unknown key"),
        ("sinks:\n  - pager: {}\n", "k.yaml:2: sinks[0].pager: unknown sink"),
        ("sinks:\n  - webhook: {url: \"ftp://x\"}\n", "k.yaml:2: sinks[0].webhook.url: expected a URL"),
        ("sinks:\n  - stdout: {format: xml}\n", "k.yaml:2: sinks[0].stdout.format: expected text or json"),
        ("sinks:\n  - email: {url: \"smtp://m\", from: a@b, to: [\"x\\r\\nBcc: y@z\"]}\n", "is not an e-mail address"),
        ("sinks:\n  - email: {url: \"smtp://m\", from: a@b, to: [c@d], username_env: U}\n", "k.yaml:2: sinks[0].email: give both a username and a password"),
        ("sinks:\n  - webhook: {url: \"http://a\", timeout: forever}\n", "k.yaml:2: sinks[0].webhook.timeout: expected a duration from 1s to 10m, such as 10s"),
        ("sinks:\n  - webhook: {url: \"http://a\", timeout: 20m}\n", "k.yaml:2: sinks[0].webhook.timeout: expected a duration from 1s to 10m, such as 10s"),
        ("http: {idle_timeout: 999999999w}\n", "k.yaml:1: http.idle_timeout: '999999999w' is longer than the longest duration keywatch reads"),
        ("sinks:\n  - webhook: {url: \"http://a\", max_per_minute: 0}\n", "k.yaml:2: sinks[0].webhook.max_per_minute: expected a whole number"),
        ("sqs:\n  - region: us-east-1\n", "k.yaml:2: sqs[0].queue_url: missing"),
        ("sqs:\n  - queue_url: sqs.us-east-1.amazonaws.com/1/q\n", "k.yaml:2: sqs[0].queue_url: expected an http:// or https:// URL"),
        ("sqs:\n  - queue_url: https://example.com/1/q\n", "k.yaml:2: sqs[0].region: missing: the AWS region"),
        ("sqs:\n  - queue_url: https://sqs.us-east-1.amazonaws.com/1/q\n    max_receives: 0\n", "k.yaml:3: sqs[0].max_receives: expected a whole number from 1 to 1000"),
        ("sqs:\n  - queue_url: https://sqs.us-east-1.amazonaws.com/1/q\n    visibility_timeout: 13h\n", "k.yaml:3: sqs[0].visibility_timeout: expected a duration from 2s to 12h"),
        ("sqs:\n  - queue_url: https://sqs.us-east-1.amazonaws.com/1/q\n    access_key: AKIA\n", "k.yaml:3: sqs[0].access_key: unknown key"),
        ("sqs:\n  - queue_url: https://sqs.us-east-1.amazonaws.com/1/q\n    receivers: 65\n", "k.yaml:3: sqs[0].receivers: expected a whole number from 1 to 64"),
        ("sqs: https://sqs.us-east-1.amazonaws.com/1/q\n", "k.yaml:1: sqs: expected a list of {queue_url"),
        ("s3:\n  - bucket: org-cloudtrail/AWSLogs\n    region: us-east-1\n", "k.yaml:2: s3[0].bucket: not an S3 bucket name"),
        ("s3:\n  - prefix: AWSLogs/\n", "k.yaml:2: s3[0].bucket: missing"),
        ("s3:\n  - {bucket: trail, region: us-east-1}\n  - {bucket: trail, region: eu-west-1}\n", "k.yaml:3: s3[1]: s3:trail/ is listed twice"),
        ("s3:\n  - bucket: trail\n    region: us east\n", "k.yaml:3: s3[0].region: not an AWS region"),
        ("s3:\n  - bucket: trail\n    region: us-east-1\n    interval: 0s\n", "k.yaml:4: s3[0].interval: expected a duration from 1s to 1d"),
        ("sinks:\n  - webhook: {url: \"http://a\", name: x}\n  - email: {url: \"smtp://m\", from: a@b, to: [c@d], name: x}\n",
         "k.yaml:3: sinks[1].email.name: another sink is named \"x\""),
    ])
    func problems(text: String, expected: String) {
        do {
            _ = try DaemonConfiguration.parse(text, file: "k.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test("sqs: and s3: parse, the queue's region from its URL, defaults where absent")
    func cloudInputs() throws {
        let configuration = try DaemonConfiguration.parse("""
            sqs:
              - queue_url: https://sqs.eu-west-1.amazonaws.com/111122223333/cloudtrail-notifications
              - queue_url: http://127.0.0.1:5000/123456789012/q
                region: us-east-1
                endpoint: http://127.0.0.1:5000
                max_receives: 3
                visibility_timeout: 10m
                receivers: 8
            s3:
              - bucket: org-cloudtrail
                prefix: AWSLogs/111122223333/CloudTrail/us-east-1/
                region: us-east-1
                interval: 5m
            """, file: "k.yaml")
        #expect(configuration.sqs == [
            .init(queueURL: "https://sqs.eu-west-1.amazonaws.com/111122223333/cloudtrail-notifications", region: "eu-west-1"),
            .init(queueURL: "http://127.0.0.1:5000/123456789012/q", region: "us-east-1", endpoint: "http://127.0.0.1:5000",
                  maximumReceives: 3, visibilityTimeout: .minutes(10), receivers: 8),
        ])
        #expect(configuration.s3 == [.init(bucket: "org-cloudtrail", prefix: "AWSLogs/111122223333/CloudTrail/us-east-1/",
                                           region: "us-east-1", interval: .minutes(5))])
        #expect(configuration.s3[0].inputName == "s3:org-cloudtrail/AWSLogs/111122223333/CloudTrail/us-east-1/")
    }

    @Test("detection's delivery delay parses, 15m when absent")
    func deliveryDelay() throws {
        #expect(try DaemonConfiguration.parse("detection: {delivery_delay: 1h}\n", file: "k.yaml").detection.deliveryDelay == .hours(1))
        #expect(try DaemonConfiguration.parse("db: k.db\n", file: "k.yaml").detection.deliveryDelay == .minutes(15))
    }

    @Test("the HTTP connection limits and the idempotency keys' lifetime parse, with defaults when absent")
    func httpLimits() throws {
        let text = "http: {header_timeout: 5s, idle_timeout: 2m, max_connections: 64, idempotency_ttl: 7d}\n"
        let http = try #require(try DaemonConfiguration.parse(text, file: "k.yaml").http)
        #expect(http.headerTimeout == .seconds(5) && http.idleTimeout == .minutes(2))
        #expect(http.maximumConnections == 64 && http.idempotencyTTL == .days(7))
        let defaults = try #require(try DaemonConfiguration.parse("http: {listen: \"127.0.0.1:1\"}\n", file: "k.yaml").http)
        #expect(defaults.headerTimeout == .seconds(10) && defaults.idleTimeout == .seconds(60))
        #expect(defaults.maximumConnections == 256 && defaults.idempotencyTTL == .hours(24))
    }

    @Test("follow_links is off unless a tail root turns it on; any other value than true or false is refused")
    func followLinks() throws {
        let text = """
            tail:
              - path: /var/log/keyvault
              - path: /data/linked
                follow_links: true
            """
        let tails = try DaemonConfiguration.parse(text, file: "k.yaml").tail
        #expect(tails.map(\.followLinks) == [false, true])
        do {
            _ = try DaemonConfiguration.parse("tail:\n  - path: /x\n    follow_links: sometimes\n", file: "k.yaml")
            Issue.record("follow_links: sometimes was accepted")
        } catch {
            #expect(error.description == "k.yaml:3: tail[0].follow_links: expected true or false")
        }
    }
}
