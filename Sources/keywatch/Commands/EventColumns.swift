import ArgumentParser
import Foundation
import KeywatchCore

/// A column of `query`'s table or CSV: its header and how to read it from an event.
struct EventColumn {
    let header: String
    let value: (Event) -> String?

    /// The positions of `columns` a table never cuts: times, outcomes and keys, short and useless in part.
    static func keptWhole(_ columns: [EventColumn]) -> Set<Int> {
        Set(columns.indices.filter { ["TIME", "OUTCOME", "KEY"].contains(columns[$0].header) })
    }

    /// A normalized field by its name (`principal_name`), headed by the name in capitals.
    static func field(_ name: String) -> EventColumn {
        EventColumn(header: name.uppercased()) { $0.text(of: name) }
    }

    /// The table's columns when none are asked for: what was done, by whom, to what — with names
    /// where the event has them (`checkout-irsa`, `db-password`), which `--principal` and
    /// `--resource` also match — and, when `reasons`, why a call did not succeed.
    static func defaults(reasons: Bool) -> [EventColumn] {
        var columns = [
            EventColumn(header: "TIME") { $0.time.rfc3339 },
            EventColumn(header: "SOURCE") { $0.source.rawValue },
            EventColumn(header: "OPERATION") { $0.operation },
            EventColumn(header: "OUTCOME") { $0.outcome.rawValue },
            EventColumn(header: "PRINCIPAL") { $0.principalName ?? $0.principal },
            EventColumn(header: "RESOURCE") { $0.objectName ?? $0.resource },
            EventColumn(header: "IP") { $0.ip },
        ]
        if reasons { columns.insert(EventColumn(header: "REASON", value: reason), at: 4) }
        return columns
    }

    /// Why a call did not succeed, as precisely as the event says: the denial's reason (`rbac`,
    /// `identity-policy`), else the service's error code (`KMSInvalidStateException`), else its
    /// HTTP status; nothing for a success.
    static func reason(of event: Event) -> String? {
        guard event.outcome != .success else { return nil }
        return event.reason?.rawValue ?? event.errorCode ?? event.status.map(String.init)
    }

    /// The field names of `--columns a,b,c`, each checked: an unknown name is an error naming the valid ones.
    static func parse(_ list: String) throws -> [String] {
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !names.isEmpty, !names.contains(where: \.isEmpty) else {
            throw ValidationError("--columns takes field names separated by commas (\(Event.fieldNames.joined(separator: ", ")))")
        }
        for name in names where !Event.fieldNames.contains(name) {
            throw ValidationError("--columns: '\(name)' is not a field; the fields are: \(Event.fieldNames.joined(separator: ", "))")
        }
        return names
    }
}
