import CYaml

/// How large a YAML text becomes once its aliases are expanded, worked out from libyaml's
/// events before anything builds the tree.
///
/// An alias stands for a copy of the node its anchor names, so a few lines of nested aliases
/// ("billion laughs") describe billions of values. Building the tree shares the copies, but
/// whatever walks it — a reader of the rules, or the YAML library itself hashing a mapping's
/// keys to find duplicates — walks every one of them. So the expanded size is counted first, from
/// the event stream, where each anchor's size is known when its node ends and an alias adds that
/// size in one step: the count costs one pass over the text, however large the expansion.
///
/// ```swift
/// let size = try YAMLExpansion.measure("a: &x [1, 2]\nb: [*x, *x]\n", limit: 1_000)
/// // size.values == 11 (the root, two keys, two lists of two, a list of two copies)
/// ```
struct YAMLExpansion {
    /// Values the text expands to (scalars, lists and mappings, each alias counted as its copy).
    var values = 0
    /// The deepest nesting, aliases expanded.
    var depth = 0

    /// Where the expansion went past a limit.
    struct Exceeded: Error {
        enum Limit { case values, depth }
        var limit: Limit
        /// The 1-based line of the event that went past it.
        var line: Int
    }

    /// Measures `text`, stopping at the first event that takes it past `limit` values or
    /// `maximumDepth` levels. A text libyaml cannot parse measures as far as it parses: the
    /// caller's parse reports the error.
    static func measure(_ text: String, limit: Int, maximumDepth: Int = 1000) throws(Exceeded) -> YAMLExpansion {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return YAMLExpansion() }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { buffer throws(Exceeded) -> YAMLExpansion in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var measure = Measure(limit: limit, maximumDepth: maximumDepth)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_SCALAR_EVENT:
                    try measure.leaf(values: 1, depth: 1, anchor: Self.name(event.data.scalar.anchor), line: line)
                case YAML_ALIAS_EVENT:
                    let size = Self.name(event.data.alias.anchor).flatMap { measure.anchors[$0] } ?? (values: 1, depth: 1)
                    try measure.leaf(values: size.values, depth: size.depth, anchor: nil, line: line)
                case YAML_SEQUENCE_START_EVENT:
                    try measure.open(anchor: Self.name(event.data.sequence_start.anchor), line: line)
                case YAML_MAPPING_START_EVENT:
                    try measure.open(anchor: Self.name(event.data.mapping_start.anchor), line: line)
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    try measure.close(line: line)
                case YAML_STREAM_END_EVENT:
                    return measure.result
                default:
                    break
                }
            }
            return measure.result
        }
    }

    private static func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        anchor.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    /// The counting, over the collections open at the moment.
    private struct Measure {
        let limit: Int
        let maximumDepth: Int
        /// Each anchor's expanded size, once its node has ended.
        var anchors: [String: (values: Int, depth: Int)] = [:]
        /// The collections open, outermost first: their values so far (themselves included), their
        /// deepest child, their anchor.
        var open: [(values: Int, childDepth: Int, anchor: String?)] = []
        var result = YAMLExpansion()

        mutating func open(anchor: String?, line: Int) throws(Exceeded) {
            try count(1, line: line)
            open.append((1, 0, anchor))
            if open.count > maximumDepth { throw Exceeded(limit: .depth, line: line) }
        }

        mutating func close(line: Int) throws(Exceeded) {
            guard let closed = open.popLast() else { return }
            try ended(values: closed.values, depth: closed.childDepth + 1, anchor: closed.anchor, line: line)
        }

        /// A scalar or an alias: `values` values (counted now), `depth` levels deep.
        mutating func leaf(values: Int, depth: Int, anchor: String?, line: Int) throws(Exceeded) {
            try count(values, line: line)
            try ended(values: values, depth: depth, anchor: anchor, line: line)
        }

        /// Every value is counted once, when it starts: no count can pass the limit by more than
        /// one anchor's size, which is itself within it.
        private mutating func count(_ values: Int, line: Int) throws(Exceeded) {
            result.values += values
            if result.values > limit { throw Exceeded(limit: .values, line: line) }
        }

        /// A node ended inside the innermost open collection: its size joins that collection's.
        private mutating func ended(values: Int, depth: Int, anchor: String?, line: Int) throws(Exceeded) {
            if let anchor { anchors[anchor] = (values, depth) }
            if open.count + depth > maximumDepth { throw Exceeded(limit: .depth, line: line) }
            result.depth = max(result.depth, open.count + depth)
            guard !open.isEmpty else { return }
            open[open.count - 1].values += values
            open[open.count - 1].childDepth = max(open[open.count - 1].childDepth, depth)
        }
    }
}
