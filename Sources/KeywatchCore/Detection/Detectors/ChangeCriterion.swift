import Yams

/// One way a watched value may change that a `change` rule's `changes:` (or `unless_changes:`)
/// names: `{to: Allow}`, `{from: true, to: false}`, `decreases`, `increases`, `any`, and for
/// lists `added` / `removed`.
///
/// A criterion holds only for a value that changed. With nothing known before (the first event
/// of a group), only `to:`, `any` and `added` can hold: `{to: Allow}` says the network is open
/// now, and of a list nothing was known to hold, so each element is new, which is worth saying
/// whatever it was; `from:`, `decreases`, `increases` and `removed` need the old value.
struct ChangeCriterion: Sendable {
    enum Kind: Sendable, Equatable {
        /// `{from: …, to: …}`, either side optional; compared as text, case-insensitively, like `where`.
        case values(from: String?, to: String?)
        case decreases, increases, any, added, removed
    }

    let kind: Kind

    static let keywords: [String: Kind] = [
        "decreases": .decreases, "increases": .increases, "any": .any, "added": .added, "removed": .removed,
    ]

    /// Whether the change of one value from `old` (nil: unknown) to `new` is of this kind.
    func holds(old: KnownValue?, new: KnownValue?) -> Bool {
        guard old != new else { return false }
        switch kind {
        case .any:
            return true
        case .values(let from, let to):
            if let from, old.map({ Self.same($0, from) }) != true { return false }
            if let to, new.map({ Self.same($0, to) }) != true { return false }
            return true
        case .decreases, .increases:
            guard let before = old.flatMap(Self.number), let after = new.flatMap(Self.number) else { return false }
            return kind == .decreases ? after < before : after > before
        case .added:
            guard let new else { return false }
            return !Set(new.items).subtracting(old?.items ?? []).isEmpty
        case .removed:
            guard let old, let new else { return false }
            return !Set(old.items).subtracting(new.items).isEmpty
        }
    }

    private static func same(_ value: KnownValue, _ text: String) -> Bool {
        guard case .text(let known) = value else { return false }
        return known.lowercased() == text.lowercased()
    }

    private static func number(_ value: KnownValue) -> Double? {
        guard case .text(let text) = value else { return nil }
        return Double(text)
    }
}

extension RuleSettings {
    /// `changes:` or `unless_changes:`: per watched name, a criterion or a list of them (any of).
    /// - Throws: a name `watch` does not have, or a criterion that is none of the kinds.
    func changeCriteria(_ key: String, watched names: [String]) throws(ConfigurationError) -> [String: [ChangeCriterion]]? {
        guard let node = value(key) else { return nil }
        let entries = try YAMLSupport.mapping(node, file: file, key: "\(path).\(key)")
        guard !entries.isEmpty else { throw problem(key, "expected at least one watched name and how it changes, e.g. {enableSoftDelete: {to: false}}") }
        var criteria: [String: [ChangeCriterion]] = [:]
        for (nameNode, criterionNode) in entries {
            let name = nameNode.scalar?.string ?? ""
            let entryKey = "\(path).\(key).\(name)"
            guard names.contains(name) else {
                throw ConfigurationError(file: file, line: nameNode.line, key: entryKey,
                                         message: "not a name 'watch' gives (expected one of: \(names.joined(separator: ", ")))")
            }
            let items = criterionNode.sequence.map(Array.init) ?? [criterionNode]
            guard !items.isEmpty else { throw ConfigurationError(file: file, line: criterionNode.line, key: entryKey, message: "expected a change") }
            for item in items {
                criteria[name, default: []].append(try criterion(item, at: entryKey))
            }
        }
        return criteria
    }

    private func criterion(_ node: Node, at key: String) throws(ConfigurationError) -> ChangeCriterion {
        let expected = "expected any, decreases, increases, added, removed, or {from: …, to: …}"
        if let word = node.scalar?.string {
            guard let kind = ChangeCriterion.keywords[word] else {
                throw ConfigurationError(file: file, line: node.line, key: key, message: "unknown change '\(word)' (\(expected))")
            }
            return ChangeCriterion(kind: kind)
        }
        guard let mapping = node.mapping else { throw ConfigurationError(file: file, line: node.line, key: key, message: expected) }
        try YAMLSupport.allowOnly(["from", "to"], in: mapping, file: file, path: key)
        func side(_ name: String) throws(ConfigurationError) -> String? {
            guard let value = mapping[name] else { return nil }
            guard let text = value.scalar?.string else {
                throw ConfigurationError(file: file, line: value.line, key: "\(key).\(name)", message: "expected a value")
            }
            return text
        }
        let from = try side("from"), to = try side("to")
        guard from != nil || to != nil else { throw ConfigurationError(file: file, line: node.line, key: key, message: expected) }
        return ChangeCriterion(kind: .values(from: from, to: to))
    }
}
