import ArgumentParser

/// keywatch: watches Azure Key Vault and AWS KMS audit logs, stores every event, and says when
/// something is wrong.
@main
struct Keywatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keywatch",
        abstract: "Watch Azure Key Vault and AWS KMS audit logs: store every event, query them, alert.",
        subcommands: [IngestCommand.self, QueryCommand.self]
    )
}
