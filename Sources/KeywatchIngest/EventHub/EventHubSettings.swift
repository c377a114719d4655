import KeywatchCore

extension DaemonConfiguration.EventHub {
    /// librdkafka's properties for reading this hub as Event Hubs' Kafka endpoint wants:
    /// SASL PLAIN with the user `$ConnectionString` and the connection string as password, over
    /// TLS (verified against the system's certificate authorities); no automatic offset commits,
    /// since the store holds the offsets.
    ///
    /// - Parameter connectionString: the resolved ``connectionString``; nil connects without SASL
    ///   (a local broker).
    func kafkaSettings(connectionString: String?) -> [String: String] {
        var settings = [
            "bootstrap.servers": bootstrap,
            "group.id": consumerGroup,
            "client.id": "keywatch",
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            // Told when a partition is read to its end: the input is then caught up.
            "enable.partition.eof": "true",
            // Where the group has no offset and the store none either: the hub's oldest event.
            "auto.offset.reset": "earliest",
            // Eager rebalancing: a partition is taken away only after what was read of it is stored.
            "partition.assignment.strategy": "range,roundrobin",
            // Event Hubs' advice: a session it accepts (6 s to 300 s), kept alive across its
            // idle-connection closing, and metadata refreshed before it forgets the client.
            "session.timeout.ms": "10000",
            "heartbeat.interval.ms": "3000",
            "socket.keepalive.enable": "true",
            "metadata.max.age.ms": "180000",
            // Prefetched messages held at most: memory stays bounded when the writer is behind
            // and the poll loop waits for it. librdkafka 2.0 stops fetching once they reach this
            // and looks again only a second later (2.2 made that fetch.queue.backoff.ms): at
            // 16 MiB keywatch read a hub at half the speed of 128 MiB, at 64 MiB (the default)
            // at four fifths.
            "queued.max.messages.kbytes": "131072",
            // Event Hubs' messages are at most 1 MiB (20 MiB on dedicated clusters).
            "fetch.message.max.bytes": "1048576",
            "log.connection.close": "false",
        ]
        switch (tls, connectionString) {
        case (true, let password?):
            settings["security.protocol"] = "SASL_SSL"
            settings["sasl.mechanisms"] = "PLAIN"
            settings["sasl.username"] = "$ConnectionString"
            settings["sasl.password"] = password
        case (false, let password?):
            settings["security.protocol"] = "SASL_PLAINTEXT"
            settings["sasl.mechanisms"] = "PLAIN"
            settings["sasl.username"] = "$ConnectionString"
            settings["sasl.password"] = password
        case (true, nil):
            settings["security.protocol"] = "SSL"
        case (false, nil):
            settings["security.protocol"] = "PLAINTEXT"
        }
        return settings
    }
}
