import KeywatchCore

extension EventReader {
    /// The least-privilege review of the events `filter` selects (``AccessReview``).
    ///
    /// Beyond the usage rows it reads one original record per vault — a vault's resource group
    /// is only in its records' `resourceId` — and, when the review is of every caller, the
    /// resources the store has ever named (``EventNames``), for those nobody used in the span.
    ///
    /// - Parameter usages: the ``usage(of:)`` of `filter` when already read (in parts, on other
    ///   connections); nil reads it here.
    public func accessReview(of filter: UsageFilter, usages: [ResourceUsage]? = nil) throws -> AccessReview {
        let usages = try usages ?? usage(of: filter)
        var vaultIDs: [String: String] = [:]
        let parser = JSONParser()
        for vault in Set(usages.lazy.filter { $0.source == .azureKeyVault }.compactMap(\.scope)) {
            let record = try self.record(ofVault: vault, since: filter.since, until: filter.until)
            vaultIDs[vault] = record.flatMap { Self.vaultID(in: $0, vault: vault, parser: parser) } ?? RoleSuggestion.placeholderID(vault: vault)
        }
        let everyCaller = filter.principals.isEmpty && filter.namespaces.isEmpty
        return AccessReview(usages: usages, vaultIDs: vaultIDs, knownResources: everyCaller ? try knownResources() : [],
                            since: filter.since, until: filter.until)
    }

    /// The original record of an event of `vault` in the span. Found by a walk of the span in
    /// time order that stops at the first, which is near its start for any vault in use.
    private func record(ofVault vault: String, since: Timestamp?, until: Timestamp?) throws -> [UInt8]? {
        let statement = try connection.prepare("""
            SELECT raw_block, raw_offset, raw_length FROM event_rows
            WHERE time >= ?1 AND time < ?2 AND source = \(EventSource.azureKeyVault.code)
              AND scope = (SELECT id FROM strings WHERE value = ?3) LIMIT 1
            """)
        try statement.bind([.integer(since?.microseconds ?? .min), .integer(until?.microseconds ?? .max), .text(vault)])
        guard try statement.step() else { return nil }
        let location = RawLocation(block: statement.int64(0), offset: Int(statement.int64(1)), length: Int(statement.int64(2)))
        return try rawBlocks.record(at: location, in: connection)
    }

    /// The vault's Azure resource id as `az` writes it, from a Key Vault record's `resourceId`
    /// (`/SUBSCRIPTIONS/<id>/RESOURCEGROUPS/<group>/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/<name>`).
    static func vaultID(in record: [UInt8], vault: String, parser: JSONParser) -> String? {
        let resourceID: String? = record.withUnsafeBytes { bytes in
            try? parser.parse(bytes) { document in document.root["resourceId"]?.string }
        } ?? nil
        guard let parts = resourceID?.split(separator: "/").map(String.init),
              let subscription = parts.firstIndex(where: { $0.lowercased() == "subscriptions" }),
              let group = parts.firstIndex(where: { $0.lowercased() == "resourcegroups" }),
              subscription + 1 < parts.count, group + 1 < parts.count
        else { return nil }
        return "/subscriptions/\(parts[subscription + 1].lowercased())/resourceGroups/\(parts[group + 1])"
            + "/providers/Microsoft.KeyVault/vaults/\(vault)"
    }

    /// Every key, secret and certificate the store has named (aliases and vaults are not used
    /// in themselves).
    func knownResources() throws -> [AccessReview.UnusedResource] {
        guard try EventNames.areKept(in: connection) else { return [] }
        let statement = try connection.prepare("""
            SELECT (SELECT value FROM strings WHERE id = e.value), (SELECT value FROM strings WHERE id = e.name)
            FROM event_names e WHERE kind = \(EventNames.Kind.resource.rawValue)
            """)
        var resources: [String: String?] = [:]
        while try statement.step() {
            guard let resource = statement.text(0), Self.isKeyOrSecret(resource) else { continue }
            resources[resource] = statement.text(1)
        }
        return resources.map { AccessReview.UnusedResource(resource: $0.key, objectName: $0.value) }
    }

    private static func isKeyOrSecret(_ resource: String) -> Bool {
        ["/secrets/", "/keys/", "/certificates/", ":key/"].contains { resource.contains($0) }
    }
}
