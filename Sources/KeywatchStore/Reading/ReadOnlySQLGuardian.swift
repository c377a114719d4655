import CSQLite

extension ReadOnlySQL {
    /// Decides each action SQLite asks about, and remembers why it refused the first one.
    final class Guardian {
        var refusal: String?

        func authorize(_ action: Int32, _ first: String?, _ second: String?) -> Int32 {
            switch action {
            case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
                return SQLITE_OK
            case SQLITE_UPDATE where first.map(Self.isSchemaTable) == true:
                // The first use of a table-valued function on a connection (json_each,
                // pragma_table_info, dbstat…) declares its virtual table, and SQLite asks about
                // that as an UPDATE of the schema table. No statement can write it here: a real
                // UPDATE of sqlite_master is refused by SQLite itself, and the connection is
                // read-only with query_only on.
                return SQLITE_OK
            case SQLITE_FUNCTION:
                if let name = second?.lowercased(), name == "load_extension" || name.hasPrefix("fts3_tokenizer") {
                    return refuse("the function \(name)() is not allowed in --sql")
                }
                return SQLITE_OK
            case SQLITE_PRAGMA:
                let name = first?.lowercased() ?? ""
                if ReadOnlySQL.allowedPragmas.contains(name) { return SQLITE_OK }
                return refuse("PRAGMA \(name) is not allowed in --sql, nor its function pragma_\(name)(); "
                    + "only the schema pragmas are: \(ReadOnlySQL.allowedPragmas.sorted().joined(separator: ", "))")
            case SQLITE_ATTACH, SQLITE_DETACH:
                return refuse("ATTACH, DETACH and VACUUM INTO are not allowed in --sql: they would open or create other files")
            case SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE:
                return refuse("--sql only reads the store: \(Self.name(action)) on \(first ?? "a table") is not allowed")
            default:
                return refuse("--sql only reads the store: \(Self.name(action)) is not allowed")
            }
        }

        private func refuse(_ reason: String) -> Int32 {
            if refusal == nil { refusal = reason }
            return SQLITE_DENY
        }

        private static func isSchemaTable(_ name: String) -> Bool {
            let name = name.lowercased()
            return name == "sqlite_master" || name == "sqlite_schema"
        }

        static func name(_ action: Int32) -> String {
            switch action {
            case SQLITE_INSERT: return "INSERT"
            case SQLITE_UPDATE: return "UPDATE"
            case SQLITE_DELETE: return "DELETE"
            case SQLITE_TRANSACTION: return "a transaction"
            case SQLITE_SAVEPOINT: return "a savepoint"
            case SQLITE_ALTER_TABLE: return "ALTER TABLE"
            case SQLITE_REINDEX: return "REINDEX"
            case SQLITE_ANALYZE: return "ANALYZE"
            case SQLITE_CREATE_INDEX, SQLITE_CREATE_TABLE, SQLITE_CREATE_TEMP_INDEX, SQLITE_CREATE_TEMP_TABLE,
                 SQLITE_CREATE_TEMP_TRIGGER, SQLITE_CREATE_TEMP_VIEW, SQLITE_CREATE_TRIGGER, SQLITE_CREATE_VIEW,
                 SQLITE_CREATE_VTABLE:
                return "CREATE"
            case SQLITE_DROP_INDEX, SQLITE_DROP_TABLE, SQLITE_DROP_TEMP_INDEX, SQLITE_DROP_TEMP_TABLE,
                 SQLITE_DROP_TEMP_TRIGGER, SQLITE_DROP_TEMP_VIEW, SQLITE_DROP_TRIGGER, SQLITE_DROP_VIEW,
                 SQLITE_DROP_VTABLE:
                return "DROP"
            default: return "this statement (authorizer action \(action))"
            }
        }
    }
}
