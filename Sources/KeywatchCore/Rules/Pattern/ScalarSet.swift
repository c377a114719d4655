/// A set of Unicode scalars, as a class of a rule's regular expression holds them: ranges, the
/// classes `\d`, `\w`, `\s` (as ICU defines them) and their negations, and a negation of the whole.
struct ScalarSet: Equatable {
    enum Property: Equatable {
        /// `\d`: a decimal digit of any script.
        case digit
        /// `\w`: a letter, mark, decimal digit or connector punctuation, or a zero-width (non-)joiner.
        case word
        /// `\s`: white space.
        case space
    }

    var ranges: [ClosedRange<UInt32>] = []
    /// Properties the scalar must have (`\d`), or must not have (`\D`: `negated` true).
    var properties: [(property: Property, negated: Bool)] = []
    /// `[^…]`: the scalars the rest does not hold.
    var negated = false

    static func == (lhs: ScalarSet, rhs: ScalarSet) -> Bool {
        lhs.ranges == rhs.ranges && lhs.negated == rhs.negated
            && lhs.properties.elementsEqual(rhs.properties) { $0.property == $1.property && $0.negated == $1.negated }
    }

    /// `.`: anything but a line terminator.
    static let anyButLineTerminator = ScalarSet(ranges: lineTerminators, negated: true)

    /// What ICU ends a line with: LF, VT, FF, CR, NEL, LS, PS.
    static let lineTerminators: [ClosedRange<UInt32>] = [0x0A...0x0D, 0x85...0x85, 0x2028...0x2029]

    static func property(_ property: Property, negated: Bool) -> ScalarSet {
        ScalarSet(properties: [(property, negated)])
    }

    /// Whether `scalar` is in the set, in any of its cases (`[a-z]` holds `Q`; `[^a]` holds neither `a` nor `A`).
    func contains(_ scalar: UInt32) -> Bool {
        let inSet = holds(scalar) || holds(CaseFolding.lower(scalar)) || holds(CaseFolding.upper(scalar))
        return inSet != negated
    }

    private func holds(_ scalar: UInt32) -> Bool {
        for range in ranges where range.contains(scalar) { return true }
        for (property, negated) in properties where Self.has(property, scalar) != negated { return true }
        return false
    }

    static func has(_ property: Property, _ value: UInt32) -> Bool {
        if value < 0x80 {
            switch property {
            case .digit: return (value &- 0x30) < 10
            case .word: return (value &- 0x30) < 10 || ((value | 0x20) &- 0x61) < 26 || value == 0x5F
            case .space: return value == 0x20 || (value >= 0x09 && value <= 0x0D)
            }
        }
        guard let scalar = Unicode.Scalar(value) else { return false }
        let properties = scalar.properties
        switch property {
        case .digit:
            return properties.generalCategory == .decimalNumber
        case .word:
            switch properties.generalCategory {
            case .decimalNumber, .connectorPunctuation, .nonspacingMark, .spacingMark, .enclosingMark: return true
            default: return properties.isAlphabetic || value == 0x200C || value == 0x200D
            }
        case .space:
            return properties.isWhitespace
        }
    }
}

/// Simple case mappings, one scalar to one: what "case-insensitively" means for a rule's pattern.
enum CaseFolding {
    static func lower(_ value: UInt32) -> UInt32 {
        if value < 0x80 { return (value &- 0x41) < 26 ? value | 0x20 : value }
        return single(Unicode.Scalar(value)?.properties.lowercaseMapping) ?? value
    }

    static func upper(_ value: UInt32) -> UInt32 {
        if value < 0x80 { return (value &- 0x61) < 26 ? value & ~0x20 : value }
        return single(Unicode.Scalar(value)?.properties.uppercaseMapping) ?? value
    }

    private static func single(_ mapping: String?) -> UInt32? {
        guard let scalars = mapping?.unicodeScalars, scalars.count == 1 else { return nil }
        return scalars.first?.value
    }
}
