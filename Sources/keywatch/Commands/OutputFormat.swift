import ArgumentParser

/// How a command prints records.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}
