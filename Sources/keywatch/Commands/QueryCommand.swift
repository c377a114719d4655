import ArgumentParser

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query", abstract: "Query stored events.")
    func run() throws {}
}
