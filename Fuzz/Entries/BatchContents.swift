import KeywatchCore

/// A decoded batch reduced to what a reader of the store sees — each event's fields and original
/// record, each reject's origin, reason and first bytes, the skips — so that two ways of decoding
/// the same bytes (whole or in pieces, plain or gzip) can be compared, and checked against what
/// must hold of any batch. Origins keep their offsets but not their input's name, which differs
/// between two ways of reading the same bytes (a file's path, a request's id).
struct BatchContents {
    var events: [String] = []
    var raws: [[UInt8]] = []
    var rejects: [Reject] = []
    var skipped: [SkipReason: Int] = [:]
    /// Events whose JSON (the docs/events.md fields and the raw record) does not parse, with the parser's error.
    var invalidJSON: [String] = []

    /// Containers in an event's JSON: the raw record's own nesting (bounded by the decoder) and one more.
    private static let jsonDepth = 1024

    init(_ batch: EventBatch) {
        let parser = JSONParser(maximumDepth: Self.jsonDepth)
        for (position, row) in batch.rows.enumerated() {
            var event = batch.event(at: position)
            event.origin.input = ""
            let raw = Array(batch.rawBytes(of: row))
            events.append(event.json())
            raws.append(raw)
            if let problem = Self.jsonProblem(event.json(raw: raw), parser: parser) {
                invalidJSON.append("event \(position) at offset \(event.origin.offset.map(String.init) ?? "-"): \(problem)")
            }
        }
        rejects = batch.rejects.map { reject in
            var reject = reject
            reject.origin.input = ""
            return reject
        }
        skipped = batch.skipped
    }

    /// Why `json` is not one valid JSON value; nil when it is.
    static func jsonProblem(_ json: String, parser: JSONParser) -> String? {
        Array(json.utf8).withUnsafeBytes { bytes in
            do {
                try parser.validate(bytes)
                return nil
            } catch {
                return "\(error)"
            }
        }
    }

    /// What must hold of any batch: every reject says why, every event writes as valid JSON.
    var violations: [String] {
        var found = invalidJSON.map { "an event does not write as valid JSON: \($0)" }
        if let silent = rejects.first(where: { $0.reason.isEmpty }) {
            found.append("a reject without a reason at \(silent.origin)")
        }
        return found
    }

    /// The first difference from `other`, in words naming both ways of decoding; nil when equal.
    ///
    /// Events and skips must be the same, and rejects too but for their reasons: a record over the
    /// size limit that arrives in one piece is framed and rejected for what is wrong inside it,
    /// while one that arrives in pieces is rejected for its size, which is known first.
    func difference(from other: BatchContents, _ name: String, _ otherName: String) -> String? {
        if events.count != other.events.count || skipped != other.skipped || rejects.count != other.rejects.count {
            return "\(name) gave \(summary), \(otherName) \(other.summary)"
        }
        if let position = events.indices.first(where: { events[$0] != other.events[$0] || raws[$0] != other.raws[$0] }) {
            return "event \(position) differs: \(name) \(events[position]), \(otherName) \(other.events[position])"
        }
        if let position = rejects.indices.first(where: { !rejects[$0].agrees(with: other.rejects[$0]) }) {
            let mine = rejects[position], theirs = other.rejects[position]
            return "reject \(position) differs: \(name) \(mine.origin) \(mine.reason) \(mine.prefix.count) bytes \(Self.quoted(mine.prefix)), "
                + "\(otherName) \(theirs.origin) \(theirs.reason) \(theirs.prefix.count) bytes \(Self.quoted(theirs.prefix))"
        }
        return nil
    }

    /// The first bytes of a reject's prefix, readable.
    private static func quoted(_ bytes: [UInt8]) -> String {
        "\"" + bytes.prefix(48).map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined() + "\""
    }

    /// `3 events, 1 skipped, 2 rejected: <first reason>`.
    var summary: String {
        var text = "\(events.count) events, \(skipped.values.reduce(0, +)) skipped, \(rejects.count) rejected"
        if let first = rejects.first { text += ": \(first.reason)" }
        return text
    }
}

extension Reject {
    /// Same origin, and first bytes of which one begins the other (an oversized record is skipped
    /// without being held, so its reject keeps the bytes at hand when the limit was crossed).
    func agrees(with other: Reject) -> Bool {
        let common = min(prefix.count, other.prefix.count)
        return origin == other.origin && prefix.prefix(common) == other.prefix.prefix(common)
    }
}
