import ArgumentParser
import Foundation
import KeywatchCore
import KeywatchIngest
import KeywatchStore

/// `keywatch backtest`: stored events replayed through rules, in the order they were stored;
/// prints the alerts that would be raised, and stores and sends nothing.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Replay stored events through rules and print the alerts they would raise; nothing is stored or sent.",
        discussion: """
            Events are replayed in the order they were stored, so a backtest of the rules a live run used, over \
            the span it covered, raises the alerts it raised, with the same keys. Alerts also in the store are \
            counted on stderr.
            """
    )

    @Option(help: "The store.")
    var db = "keywatch.db"

    @Option(help: "Replay events at or after this time (RFC 3339, or 15m, 24h, 7d ago).")
    var since: String?

    @Option(help: "Replay events before this time.")
    var until: String?

    @Option(help: "The rules directory.")
    var rules = "rules"

    @Option(help: "text or json (one alert per line, docs/alerts.md).")
    var format: AlertFormat = .text

    func run() throws {
        let now = Timestamp.now
        let since = try TimeOption.parse(self.since, "--since", now: now)
        let until = try TimeOption.parse(self.until, "--until", now: now)
        let directory = try RulesCommand.load(rules)
        let started = Date()
        var ledger = AlertLedger()
        var events = 0
        var alreadyStored = 0
        try StoreAccess.reading(db, command: "backtest") { reader in
            let engine = DetectionEngine(rules: directory.rules, identities: directory.identities)
            let readsRaw = directory.rules.contains { $0.readsRaw }
            try StoredBatches(connection: reader.connection).forEach(
                afterBlock: 0, since: since, until: until.map { $0 - EventDuration(microseconds: 1) }, withRaw: readsRaw
            ) { batch, _ in
                events += batch.rows.count
                ledger.apply(engine.process(batch))
            }
            alreadyStored = try reader.storedAlertCount(keys: ledger.alerts.lazy.map(\.key))
        }
        let alerts = ledger.alerts
        AlertLines.print(alerts, format: format)
        Standard.flush()
        Standard.error("backtest: \(Numbers.grouped(events)) events through \(directory.rules.count) rules in "
                       + "\(Numbers.oneDecimal(Date().timeIntervalSince(started))) s: \(alerts.count) alert\(alerts.count == 1 ? "" : "s"), "
                       + "\(alreadyStored) of them also in the store")
    }
}
