/// Why a rule's regular expression cannot be used, and where in it.
struct PatternError: Error, CustomStringConvertible {
    var message: String
    /// The scalar offset in the pattern where the problem was found.
    var offset: Int

    var description: String { "\(message) (at character \(offset + 1))" }
}

/// Reads a rule's regular expression — the ICU syntax most patterns use — into a ``PatternNode``.
///
/// What a linear-time matcher cannot do is refused with the reason: backreferences, lookaround,
/// possessive quantifiers, Unicode property classes and flags other than `i` (every pattern is
/// case-insensitive already).
struct PatternParser {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    /// Repetitions may nest this deep, and counts go up to this.
    static let maximumNesting = 200
    static let maximumCount = 1000
    private var depth = 0

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    /// The whole pattern.
    static func parse(_ source: String) throws(PatternError) -> PatternNode {
        var parser = PatternParser(source)
        let node = try parser.alternation()
        if parser.position < parser.scalars.count {
            // Only an unmatched `)` stops an alternation early.
            throw parser.error("unmatched ')'")
        }
        return node
    }

    private func error(_ message: String, at offset: Int? = nil) -> PatternError {
        PatternError(message: message, offset: offset ?? position)
    }

    private var atEnd: Bool { position >= scalars.count }
    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        position + ahead < scalars.count ? scalars[position + ahead] : nil
    }

    private mutating func next() -> Unicode.Scalar? {
        guard position < scalars.count else { return nil }
        defer { position += 1 }
        return scalars[position]
    }

    private mutating func take(_ scalar: Unicode.Scalar) -> Bool {
        guard peek() == scalar else { return false }
        position += 1
        return true
    }

    // MARK: - Structure

    private mutating func alternation() throws(PatternError) -> PatternNode {
        var branches = [try concatenation()]
        while take("|") { branches.append(try concatenation()) }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func concatenation() throws(PatternError) -> PatternNode {
        var items: [PatternNode] = []
        while let scalar = peek(), scalar != "|", scalar != ")" {
            items.append(try quantified())
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .concatenation(items)
        }
    }

    private mutating func quantified() throws(PatternError) -> PatternNode {
        let start = position
        var node = try atom()
        var quantifiers = 0
        while let bounds = try quantifier() {
            quantifiers += 1
            if quantifiers > 1 { throw error("two quantifiers in a row: group the first, as in (a*)+", at: start) }
            if take("+") { throw error("possessive quantifiers (*+, ++, ?+) are not supported") }
            _ = take("?")  // lazy: the same answer to "does it match somewhere"
            node = .repetition(node, minimum: bounds.minimum, maximum: bounds.maximum)
        }
        return node
    }

    private mutating func quantifier() throws(PatternError) -> (minimum: Int, maximum: Int?)? {
        switch peek() {
        case "*": position += 1; return (0, nil)
        case "+": position += 1; return (1, nil)
        case "?": position += 1; return (0, 1)
        case "{":
            let start = position
            position += 1
            guard let minimum = number() else { throw error("'{' must start a count such as {2}, {2,} or {2,5}; write \\{ for the character", at: start) }
            var maximum: Int? = minimum
            if take(",") { maximum = number() }
            guard take("}") else { throw error("a count such as {2,5} is not closed", at: start) }
            if let maximum, maximum < minimum { throw error("a count's maximum is below its minimum", at: start) }
            if minimum > Self.maximumCount || (maximum ?? 0) > Self.maximumCount {
                throw error("counts are at most \(Self.maximumCount)", at: start)
            }
            return (minimum, maximum)
        default:
            return nil
        }
    }

    private mutating func number() -> Int? {
        var value: Int?
        while let scalar = peek(), (scalar.value &- 0x30) < 10 {
            value = min((value ?? 0) * 10 + Int(scalar.value - 0x30), Self.maximumCount + 1)
            position += 1
        }
        return value
    }

    private mutating func atom() throws(PatternError) -> PatternNode {
        let start = position
        guard let scalar = next() else { throw error("the pattern ends where something to match was expected") }
        switch scalar {
        case "(": return try group(start: start)
        case "[": return .set(try characterClass(start: start))
        case ".": return .set(.anyButLineTerminator)
        case "^": return .assertion(.start)
        case "$": return .assertion(.endOrFinalLineTerminator)
        case "\\": return try escape(inClass: false).node
        case "*", "+", "?": throw error("'\(scalar)' has nothing to repeat; write \\\(scalar) for the character", at: start)
        case "{":
            position = start
            if (try? quantifier()) != nil { throw error("a count has nothing to repeat", at: start) }
            position = start + 1
            return .scalar(scalar)
        default: return .scalar(scalar)
        }
    }

    private mutating func group(start: Int) throws(PatternError) -> PatternNode {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumNesting { throw error("groups nested more than \(Self.maximumNesting) deep", at: start) }
        if take("?") {
            switch next() {
            case ":": break
            case "<" where peek() == "=" || peek() == "!", "=", "!":
                throw error("lookaround ((?=…), (?!…), (?<=…), (?<!…)) is not supported", at: start)
            case "<", "P":
                if scalars[position - 1] == "P" && !take("<") { throw error("a named group is written (?<name>…)", at: start) }
                while let scalar = next(), scalar != ">" {
                    guard scalar.properties.isAlphabetic || (scalar.value &- 0x30) < 10 || scalar == "_" else {
                        throw error("a group's name holds letters, digits and _", at: start)
                    }
                }
            case "i":
                // Every pattern is case-insensitive: (?i) and (?i:…) change nothing.
                if take(")") { return .empty }
                guard take(":") else { throw error("flags other than i ((?m), (?s), (?x), (?-i)) are not supported", at: start) }
            default:
                throw error("flags other than i ((?m), (?s), (?x), (?-i)), atomic groups and comments are not supported", at: start)
            }
        }
        let inner = try alternation()
        guard take(")") else { throw error("'(' is not closed", at: start) }
        return inner
    }

    // MARK: - Classes

    private mutating func characterClass(start: Int) throws(PatternError) -> ScalarSet {
        var set = ScalarSet()
        set.negated = take("^")
        var first = true
        while true {
            guard let scalar = peek() else { throw error("'[' is not closed", at: start) }
            if scalar == "]" && !first { position += 1; return set }
            first = false
            if scalar == "[" { throw error("classes inside classes and set operations ([a[b]], &&, --) are not supported") }
            let low: UInt32
            if scalar == "\\" {
                position += 1
                let escaped = try escape(inClass: true)
                guard let value = escaped.scalar else {
                    if case .set(let inner) = escaped.node { set.properties += inner.properties }
                    continue
                }
                low = value.value
            } else {
                position += 1
                low = scalar.value
            }
            if peek() == "-", let after = peek(1), after != "]" {
                position += 1
                let high: UInt32
                if after == "\\" {
                    position += 1
                    guard let value = try escape(inClass: true).scalar else { throw error("a range ends with a class such as \\d") }
                    high = value.value
                } else {
                    position += 1
                    high = after.value
                }
                guard low <= high else { throw error("a range's end is before its start") }
                set.ranges.append(low...high)
            } else {
                set.ranges.append(low...low)
            }
        }
    }

    // MARK: - Escapes

    /// What follows a backslash: a node, and the scalar when it is one (for ranges in classes).
    private mutating func escape(inClass: Bool) throws(PatternError) -> (node: PatternNode, scalar: Unicode.Scalar?) {
        let start = position - 1
        guard let scalar = next() else { throw error("the pattern ends with a backslash", at: start) }
        func literal(_ value: UInt32) throws(PatternError) -> (node: PatternNode, scalar: Unicode.Scalar?) {
            guard let scalar = Unicode.Scalar(value) else { throw error("\\\(scalar) names no Unicode scalar", at: start) }
            return (.scalar(scalar), scalar)
        }
        switch scalar {
        case "d": return (.set(.property(.digit, negated: false)), nil)
        case "D": return (.set(.property(.digit, negated: true)), nil)
        case "w": return (.set(.property(.word, negated: false)), nil)
        case "W": return (.set(.property(.word, negated: true)), nil)
        case "s": return (.set(.property(.space, negated: false)), nil)
        case "S": return (.set(.property(.space, negated: true)), nil)
        case "t": return try literal(0x09)
        case "n": return try literal(0x0A)
        case "r": return try literal(0x0D)
        case "f": return try literal(0x0C)
        case "a": return try literal(0x07)
        case "e": return try literal(0x1B)
        case "x":
            if take("{") {
                guard let value = hex(maximumDigits: 6), take("}") else { throw error("\\x{…} holds 1 to 6 hexadecimal digits", at: start) }
                return try literal(value)
            }
            guard let value = hex(exactly: 2) else { throw error("\\x is followed by two hexadecimal digits", at: start) }
            return try literal(value)
        case "u":
            guard let value = hex(exactly: 4) else { throw error("\\u is followed by four hexadecimal digits", at: start) }
            return try literal(value)
        case "U":
            guard let value = hex(exactly: 8) else { throw error("\\U is followed by eight hexadecimal digits", at: start) }
            return try literal(value)
        case "b" where !inClass: return (.assertion(.wordBoundary), nil)
        case "B" where !inClass: return (.assertion(.notWordBoundary), nil)
        case "A" where !inClass: return (.assertion(.start), nil)
        case "Z" where !inClass: return (.assertion(.endOrFinalLineTerminator), nil)
        case "z" where !inClass: return (.assertion(.end), nil)
        case "1"..."9", "k":
            throw error("backreferences (\\1, \\k<name>) are not supported", at: start)
        case "p", "P", "N", "X", "R", "h", "H", "v", "V", "G", "Q", "E", "c", "0":
            throw error("\\\(scalar) is not supported; write the characters or a class such as [a-z]", at: start)
        default:
            guard !scalar.properties.isAlphabetic && (scalar.value &- 0x30) >= 10 else {
                throw error("\\\(scalar) is not an escape keywatch reads", at: start)
            }
            return (.scalar(scalar), scalar)  // \. \* \\ \[ …: the character itself
        }
    }

    private mutating func hex(exactly count: Int) -> UInt32? {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let digit = peek().flatMap(Self.hexDigit) else { return nil }
            value = value * 16 + digit
            position += 1
        }
        return value
    }

    private mutating func hex(maximumDigits: Int) -> UInt32? {
        var value: UInt32 = 0
        var digits = 0
        while digits < maximumDigits, let digit = peek().flatMap(Self.hexDigit) {
            value = value * 16 + digit
            position += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    private static func hexDigit(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: return scalar.value - 0x30
        case 0x41...0x46: return scalar.value - 0x41 + 10
        case 0x61...0x66: return scalar.value - 0x61 + 10
        default: return nil
        }
    }
}
