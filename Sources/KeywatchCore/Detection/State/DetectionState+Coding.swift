/// Detection state as bytes, for the store: a compact binary layout (integers as LEB128
/// varints, strings length-prefixed) — a million groups encode in well under a second, which
/// JSON would not.
extension DetectionState {
    /// 3: each rule's last known values (`change`) and the key of its `first_seen` digests after
    /// its keys, and the accounts learned after the rules; 2 (still read): groups by ``GroupID``, with the keys of absence rules apart;
    /// 1 (still read): groups by key.
    static let formatVersion: UInt64 = 3

    /// The state as one array of bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        encode(chunkSize: .max) { bytes += $0 }
        return bytes
    }

    /// Writes the state as a sequence of chunks of about `chunkSize` bytes, handed to `emit` one at
    /// a time: a million groups make well over a hundred megabytes, which must not sit in memory
    /// twice (and again in SQLite) while being saved. Chunks end between items only, so
    /// ``init(chunks:)`` reads them back one at a time too.
    public func encode(chunkSize: Int = 1 << 20, _ emit: ([UInt8]) throws -> Void) rethrows {
        var out = StateWriter()
        func flushIfFull() throws {
            guard out.bytes.count >= chunkSize else { return }
            try emit(out.bytes)
            out.bytes.removeAll(keepingCapacity: true)
        }
        out.put(Self.formatVersion)
        out.put(clock?.microseconds)
        out.put(UInt64(rules.count))
        for (id, rule) in rules.sorted(by: { $0.key < $1.key }) {
            out.put(id)
            out.put(rule.fingerprint)
            out.put(Int64(rule.late))
            out.put(Int64(rule.refused + rule.memory.refused))
            out.put(rule.memory.learningSince?.microseconds)
            out.put(UInt64(rule.memory.seen.count))
            for digest in rule.memory.seen {
                out.put(digest)
                try flushIfFull()
            }
            out.put(UInt64(rule.groups.count))
            for (_, id, group) in rule.groups {
                out.put(id)
                group.encode(to: &out)
                try flushIfFull()
            }
            out.put(UInt64(rule.keys.count))
            for (id, key) in rule.keys {
                out.put(id)
                out.put(key)
                try flushIfFull()
            }
            out.put(UInt64(rule.memory.known.count))
            for (id, values) in rule.memory.known {
                out.put(id)
                out.put(values)
                try flushIfFull()
            }
            if let key = rule.memory.digestKey {
                out.put(UInt64(1))
                out.put(key.k0)
                out.put(key.k1)
            } else {
                out.put(UInt64(0))
            }
        }
        out.put(accounts.sorted())
        if !out.bytes.isEmpty { try emit(out.bytes) }
    }

    /// Reads what ``encoded()`` wrote.
    /// - Throws: ``StateDecodingError`` when the bytes are not such state (another version, cut short).
    public init(decoding bytes: [UInt8]) throws(StateDecodingError) {
        var chunks = CollectionOfOne(bytes).makeIterator()
        try self.init(chunks: &chunks)
    }

    /// Reads what ``encode(chunkSize:_:)`` wrote, a chunk at a time.
    /// - Throws: ``StateDecodingError`` when the chunks are not such state (another version, cut short).
    public init(chunks: inout some IteratorProtocol<[UInt8]>) throws(StateDecodingError) {
        var input = StateReader(chunks: &chunks)
        let version = try input.unsigned()
        guard (1...Self.formatVersion).contains(version) else { throw StateDecodingError(message: "unknown detection state format") }
        self.init()
        clock = try input.optionalSigned().map(Timestamp.init(microseconds:))
        for _ in 0..<(try input.count()) {
            let id = try input.string()
            var rule = RuleState(fingerprint: try input.string())
            rule.late = Int(try input.signed())
            rule.refused = Int(try input.signed())
            rule.memory.learningSince = try input.optionalSigned().map(Timestamp.init(microseconds:))
            let seen = try input.itemCount()
            rule.memory.seen.reserveCapacity(min(seen, 1 << 20))
            for _ in 0..<seen {
                rule.memory.seen.insert(try input.unsigned())
                input.nextChunkIfDone(&chunks)
            }
            let groups = try input.itemCount()
            rule.groups.reserveCapacity(min(groups, 1 << 20))
            for _ in 0..<groups {
                if version == 1 {
                    let key = try input.string()
                    let id = GroupKey.id(key)
                    rule.groups[id] = try GroupState(from: &input)
                    rule.keys[id] = key
                } else {
                    let id = try input.groupID()
                    rule.groups[id] = try GroupState(from: &input)
                }
                input.nextChunkIfDone(&chunks)
            }
            if version > 1 {
                for _ in 0..<(try input.itemCount()) {
                    let id = try input.groupID()
                    rule.keys[id] = try input.string()
                    input.nextChunkIfDone(&chunks)
                }
            }
            if version > 2 {
                for _ in 0..<(try input.itemCount()) {
                    let id = try input.groupID()
                    rule.memory.known[id] = try input.knownValues()
                    input.nextChunkIfDone(&chunks)
                }
                if try input.unsigned() == 1 {
                    rule.memory.digestKey = SipHash24.Key(k0: try input.unsigned(), k1: try input.unsigned())
                }
            }
            rules[id] = rule
        }
        if version > 2 { accounts = Set(try input.strings()) }
    }
}
