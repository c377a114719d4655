import Yams

/// `type: change` — an event that changes a value the rule watches, per group: a vault whose
/// network is opened, whose purge protection is switched off. The rule remembers the last known
/// value of each watched field per group (in ``RuleMemory``, so that it outlives idle groups and
/// restarts) and compares each event it counts with it.
///
/// ```yaml
/// type: change
/// group_by: [scope]
/// watch:
///   networkAcls.defaultAction: raw.properties.properties.networkAcls.defaultAction
///   softDeleteRetentionInDays: raw.properties.properties.softDeleteRetentionInDays
/// changes:                       # optional: without it, any change is a finding
///   networkAcls.defaultAction: {to: Allow}
///   softDeleteRetentionInDays: decreases
/// unless_changes: {…}            # optional: no finding when any of these holds
/// learn_only: {operation: VaultGet}  # optional: events that teach the values, never a finding
/// ```
///
/// A value absent from an event keeps the last known one (a PATCH may carry only what it
/// changes). The alert's `changed` detail gives every watched value that differs, old → new.
struct ChangeDetector: EventDetector {
    static let type = "change"
    static let keys = ["watch", "changes", "unless_changes", "learn_only"]

    /// A watched value: the name alerts give it, and the field it is read from.
    struct Watched: Sendable {
        var name: String
        var field: RuleField
    }

    let watched: [Watched]
    /// Per watched position, the criteria of which any makes a finding; nil: any change does.
    let changes: [Int: [ChangeCriterion]]?
    let unlessChanges: [Int: [ChangeCriterion]]
    /// Conditions under which an event only teaches the values (all must hold); empty for none.
    let learnOnly: [FieldCondition]

    init(reading rule: RuleSettings) throws(ConfigurationError) {
        guard let node = rule.value("watch") else {
            throw rule.missing("watch", "the values to compare, e.g. {networkAcls.defaultAction: raw.properties.properties.networkAcls.defaultAction}")
        }
        let entries = try YAMLSupport.mapping(node, file: rule.file, key: "\(rule.path).watch")
        guard !entries.isEmpty else { throw rule.problem("watch", "expected at least one name: field") }
        var watched: [Watched] = []
        for (nameNode, fieldNode) in entries {
            let name = nameNode.scalar?.string ?? ""
            let key = "\(rule.path).watch.\(name)"
            guard !name.isEmpty else { throw ConfigurationError(file: rule.file, line: nameNode.line, key: key, message: "expected a name") }
            guard let fieldName = fieldNode.scalar?.string, !fieldName.isEmpty else {
                throw ConfigurationError(file: rule.file, line: fieldNode.line, key: key, message: "expected a field, e.g. raw.properties.properties.enableSoftDelete")
            }
            do {
                watched.append(Watched(name: name, field: try RuleField.named(fieldName)))
            } catch {
                throw ConfigurationError(file: rule.file, line: fieldNode.line, key: key, message: error.message)
            }
        }
        self.watched = watched
        let names = watched.map(\.name)
        func byPosition(_ criteria: [String: [ChangeCriterion]]) -> [Int: [ChangeCriterion]] {
            Dictionary(uniqueKeysWithValues: criteria.map { (names.firstIndex(of: $0.key)!, $0.value) })
        }
        changes = try rule.changeCriteria("changes", watched: names).map(byPosition)
        unlessChanges = try rule.changeCriteria("unless_changes", watched: names).map(byPosition) ?? [:]
        learnOnly = rule.conditions("learn_only") ?? []
    }

    var fields: [RuleField] { watched.map(\.field) + learnOnly.map(\.field) }

    func finding(for event: EventView, of rule: Rule, memory: inout RuleMemory) -> Finding? {
        let groupValues = rule.groupValues(of: event)
        let group = GroupKey.id(GroupKey.make(groupValues))
        let old = memory.known[group] ?? Array(repeating: nil, count: watched.count)
        var new = old
        for (position, watch) in watched.enumerated() {
            if let value = KnownValue(event.value(of: watch.field)) { new[position] = value }
        }
        guard new != old, memory.remember(new, of: group) else { return nil }
        if !learnOnly.isEmpty, learnOnly.allSatisfy({ $0.holds(for: event.value(of: $0.field)) }) { return nil }

        let changed = watched.indices.filter { old[$0] != new[$0] }
        func anyHolds(_ criteria: [Int: [ChangeCriterion]]) -> Bool {
            changed.contains { position in criteria[position]?.contains { $0.holds(old: old[position], new: new[position]) } ?? false }
        }
        if let changes, !anyHolds(changes) { return nil }
        if anyHolds(unlessChanges) { return nil }

        // A list (a policy's principals or statements) says what it gained and lost, not all it
        // held before and holds now; a value says old → new.
        let isList = { (position: Int) -> Bool in
            if case .list = new[position] { return true }
            return false
        }
        let described = changed.filter { !isList($0) }
            .map { AlertDetail.Change(watched[$0].name, old: old[$0]?.description, new: new[$0]?.description) }
        var details = described.isEmpty ? [] : [AlertDetail("changed", .changes(described))]
        var summaries = described.map(\.description)
        for position in changed where isList(position) {
            let before = old[position]?.items ?? [], after = new[position]?.items ?? []
            let added = after.filter { !before.contains($0) }, removed = before.filter { !after.contains($0) }
            let name = watched[position].name
            if !added.isEmpty {
                details.append(AlertDetail("added_" + name, .list(added)))
                summaries.append("\(name) added: " + added.joined(separator: "; "))
            }
            if !removed.isEmpty {
                details.append(AlertDetail("removed_" + name, .list(removed)))
                summaries.append("\(name) removed: " + removed.joined(separator: "; "))
            }
        }
        let who = event.text(of: .principalName).nonEmpty ?? event.text(of: .principal).nonEmpty ?? "an unknown caller"
        let what = groupValues.map { $0.isEmpty ? "(none)" : $0 }.joined(separator: ", ")
        return Finding(summary: (what.isEmpty ? "" : what + ": ") + summaries.joined(separator: ", ")
                           + " (\(event.text(of: .operation)) by \(who))",
                       details: details)
    }
}
