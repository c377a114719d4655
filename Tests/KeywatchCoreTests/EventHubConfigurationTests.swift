import Testing
@testable import KeywatchCore

@Suite("Event Hubs configuration")
struct EventHubConfigurationTests {
    @Test("the example of docs/configuration.md: namespace, hub, consumer group and where the connection string is")
    func example() throws {
        let text = """
            eventhub:
              - bootstrap: my-namespace.servicebus.windows.net:9093
                hub: insights-logs-auditevent
                consumer_group: keywatch
                connection_string_env: EVENTHUB_CONNECTION_STRING
              - bootstrap: other.servicebus.windows.net:9093
                hub: insights-logs-auditevent
                connection_string_file: /etc/keywatch/eventhub.secret
              - {bootstrap: "127.0.0.1:9092", hub: test-hub, tls: false}
            """
        let configuration = try DaemonConfiguration.parse(text, file: "k.yaml")
        #expect(configuration.eventHub == [
            .init(bootstrap: "my-namespace.servicebus.windows.net:9093", hub: "insights-logs-auditevent", consumerGroup: "keywatch",
                  connectionString: .environment("EVENTHUB_CONNECTION_STRING")),
            .init(bootstrap: "other.servicebus.windows.net:9093", hub: "insights-logs-auditevent", consumerGroup: "$Default",
                  connectionString: .file("/etc/keywatch/eventhub.secret")),
            .init(bootstrap: "127.0.0.1:9092", hub: "test-hub", tls: false),
        ])
        #expect(configuration.eventHub[0].inputName == "eventhub:my-namespace.servicebus.windows.net:9093/insights-logs-auditevent")
        #expect(configuration.tail.isEmpty && configuration.http == nil, "a file reads only the inputs it names")
    }

    @Test("each wrong key is said with the file, line and key", arguments: [
        ("eventhub: {bootstrap: a:1}", "k.yaml:1: eventhub: expected a list"),
        ("eventhub:\n  - hub: h\n    connection_string_env: E", "k.yaml:2: eventhub[0].bootstrap: missing"),
        ("eventhub:\n  - bootstrap: ns.servicebus.windows.net\n    hub: h\n    connection_string_env: E",
         "k.yaml:2: eventhub[0].bootstrap: expected host:port"),
        ("eventhub:\n  - bootstrap: a:9093\n    connection_string_env: E", "k.yaml:2: eventhub[0].hub: missing"),
        ("eventhub:\n  - bootstrap: a:9093\n    hub: no/slash\n    connection_string_env: E", "k.yaml:3: eventhub[0].hub: expected an event hub's name"),
        ("eventhub:\n  - bootstrap: a:9093\n    hub: h", "k.yaml:2: eventhub[0].connection_string_env: missing"),
        ("eventhub:\n  - bootstrap: a:9093\n    hub: h\n    connection_string_env: E\n    connection_string_file: /f",
         "k.yaml:5: eventhub[0].connection_string_file: give connection_string_env or connection_string_file, not both"),
        ("eventhub:\n  - bootstrap: a:9093\n    hub: h\n    tls: maybe", "k.yaml:4: eventhub[0].tls: expected true or false"),
        ("eventhub:\n  - bootstrap: a:9093\n    hub: h\n    tls: false\n    connection_string: Endpoint=sb://x",
         "k.yaml:5: eventhub[0].connection_string: unknown key"),
        ("eventhub:\n  - {bootstrap: 'a:9093', hub: h, tls: false}\n  - {bootstrap: 'a:9093', hub: h, tls: false}",
         "k.yaml:3: eventhub[1]: h at a:9093 is listed twice"),
        ("eventhub:\n  - bootstrap: a:9093\n    hub: h\n    tls: false\n    consumer_group: \"\"", "k.yaml:5: eventhub[0].consumer_group: must not be empty"),
    ])
    func problems(text: String, expected: String) {
        #expect(throws: ConfigurationProblems.self) { try DaemonConfiguration.parse(text, file: "k.yaml") }
        do {
            _ = try DaemonConfiguration.parse(text, file: "k.yaml")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}
