extension Rule {
    /// Every field the rule reads beyond its conditions: its groups, and its type's own fields.
    var keyFields: [RuleField] { groupBy + detector.fields }

    /// The `raw.<path>`s the rule reads anywhere: the engine parses a counted event's record once
    /// for all of them.
    var rawPaths: [[String]] {
        var paths: [[String]] = []
        for field in conditions.map(\.field) + exceptions.map(\.field) + keyFields {
            if let path = field.rawPath, !paths.contains(path) { paths.append(path) }
        }
        return paths
    }
}
