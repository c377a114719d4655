import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// keywatch: watches Azure Key Vault and AWS KMS audit logs, stores every event, and says when
/// something is wrong.
@main
struct Keywatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keywatch",
        abstract: "Watch Azure Key Vault and AWS KMS audit logs: store every event, query them, alert.",
        version: Version.description,
        subcommands: [RunCommand.self, IngestCommand.self, QueryCommand.self, StatsCommand.self, AccessReviewCommand.self, KeysCommand.self, RejectsCommand.self, AlertsCommand.self, SinksCommand.self, RulesCommand.self, BacktestCommand.self]
    )

    /// Runs the command; usage errors exit with status 2 (docs/commands.md), not ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
            Standard.flush()
        } catch {
            Standard.flush()
            let code = exitCode(for: error)
            if code.rawValue == 64 {
                Standard.error(fullMessage(for: error))
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}
