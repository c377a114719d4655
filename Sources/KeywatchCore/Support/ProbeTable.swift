/// The buckets of an open-addressing hash table: linear probing over a power-of-two array of
/// words, 0 marking an empty bucket, with backward-shift deletion so that no tombstones build up.
///
/// A bucket holds a word the user gives meaning to — mostly one more than an entry's position in
/// the user's own storage, sometimes with bits of the entry's hash beside it — so that probing,
/// most of a table's work, reads four or eight bytes a bucket and no key. The user keeps its keys,
/// chooses the home bucket of each (``probe(from:_:)`` and its friends mask it to the table) and
/// compares keys; the table keeps the probing and the moving of words.
///
/// Homes must come from a hash an outsider cannot steer: several users' keys are text an attacker
/// writes, and a linear probe degrades to a scan when many keys share a home. Each user therefore
/// hashes with a secret random seed or key of its own.
struct ProbeTable<Word: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    private var words: [Word]
    private(set) var mask: Int
    /// Buckets in use.
    private(set) var count = 0

    /// - Parameter size: buckets, rounded up to a power of two of at least 16.
    init(size: Int = 16) {
        var buckets = 16
        while buckets < size { buckets <<= 1 }
        words = Array(repeating: 0, count: buckets)
        mask = buckets - 1
    }

    var size: Int { mask + 1 }

    /// The word in `bucket`.
    @inline(__always)
    subscript(bucket: Int) -> Word {
        words.withUnsafeBufferPointer { $0[bucket] }
    }

    /// Probes from the bucket of `home`: the bucket of the first word `matches` accepts
    /// (`found`), or else the empty bucket that ends the probe, where the key would go.
    @inline(__always)
    func probe(from home: Int, _ matches: (Word) -> Bool) -> (bucket: Int, found: Bool) {
        words.withUnsafeBufferPointer { words in
            var bucket = home & mask
            while true {
                let word = words[bucket]
                if word == 0 { return (bucket, false) }
                if matches(word) { return (bucket, true) }
                bucket = (bucket &+ 1) & mask
            }
        }
    }

    /// Puts `word` (not 0) in `bucket`, which ``probe(from:_:)`` found empty.
    @inline(__always)
    mutating func fill(_ bucket: Int, with word: Word) {
        words[bucket] = word
        count += 1
    }

    /// Puts `word` (not 0) in the first empty bucket from the bucket of `home`.
    @inline(__always)
    mutating func insert(_ word: Word, home: Int) {
        fill(probe(from: home) { _ in false }.bucket, with: word)
    }

    /// Empties `bucket`, moving back into the hole the words after it that may sit there: those
    /// whose home, by `home`, is not between the hole and where they are now.
    mutating func remove(at bucket: Int, home: (Word) -> Int) {
        var hole = bucket
        var next = (hole &+ 1) & mask
        while words[next] != 0 {
            let nextHome = home(words[next]) & mask
            if (next &- nextHome) & mask >= (next &- hole) & mask {
                words[hole] = words[next]
                hole = next
            }
            next = (next &+ 1) & mask
        }
        words[hole] = 0
        count -= 1
    }

    /// Empties every bucket, keeping the size.
    mutating func removeAll() {
        guard count > 0 else { return }
        words.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        count = 0
    }

    /// Moves every word to a table of `size` buckets (a power of two, at least ``count``),
    /// each at or after its bucket by `home`.
    mutating func resize(to size: Int, home: (Word) -> Int) {
        let old = words
        self = ProbeTable(size: size)
        for word in old where word != 0 { insert(word, home: home(word)) }
    }

    /// Every word in use, in bucket order.
    var occupied: LazyFilterSequence<[Word]> { words.lazy.filter { $0 != 0 } }
}

/// The word of a table whose buckets tell entries apart by their hash before reading them: one
/// more than the entry's position in the low ``entryBits``, the hash's bits above them.
///
/// The home bucket is chosen by the hash's low bits, which the tag does not keep, so every bit
/// of the tag tells the entries of a bucket apart.
struct HashTag: Sendable {
    let entryBits: UInt64
    private let entryMask: UInt64

    /// Tags for up to `entries` entries.
    init(entries: Int) {
        var bits: UInt64 = 1
        while (1 << bits) <= entries { bits += 1 }
        entryBits = bits
        entryMask = (1 << bits) - 1
    }

    /// The tag of the entry at `position` whose hash is `hash`.
    @inline(__always)
    func tag(_ hash: UInt64, position: Int) -> UInt64 { hash & ~entryMask | UInt64(position + 1) }

    /// Whether `tag` may be of an entry whose hash is `hash`: its kept bits agree.
    @inline(__always)
    func mayHold(_ tag: UInt64, _ hash: UInt64) -> Bool { (tag ^ hash) & ~entryMask == 0 }

    /// The position of the entry of `tag`.
    @inline(__always)
    func position(_ tag: UInt64) -> Int { Int(truncatingIfNeeded: tag & entryMask) - 1 }
}
