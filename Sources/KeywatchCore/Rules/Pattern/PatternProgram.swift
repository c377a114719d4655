/// A rule's regular expression compiled to a Thompson automaton: a list of instructions that
/// ``PatternMatcher`` runs as a set of threads, all in step, so matching takes time linear in the
/// value's length (times the program's), whatever the pattern.
struct PatternProgram {
    enum Instruction {
        /// One scalar, case folded.
        case scalar(UInt32)
        /// One scalar of ``PatternProgram/sets``[index].
        case set(Int)
        /// Both ways on.
        case split(Int, Int)
        case jump(Int)
        case assertion(PatternAssertion)
        case match
    }

    private(set) var instructions: [Instruction] = []
    private(set) var sets: [ScalarSet] = []
    /// Every way through begins with `^`: a match can only start at the value's first scalar.
    let anchoredAtStart: Bool

    /// The most instructions a program may have: counted repetitions copy what they repeat.
    static let maximumInstructions = 50_000

    init(_ node: PatternNode) throws(PatternError) {
        anchoredAtStart = Self.beginsWithStart(node)
        try emit(node)
        instructions.append(.match)
    }

    private static func beginsWithStart(_ node: PatternNode) -> Bool {
        switch node {
        case .assertion(.start): return true
        case .concatenation(let items): return items.first.map(beginsWithStart) ?? false
        case .alternation(let branches): return branches.allSatisfy(beginsWithStart)
        default: return false
        }
    }

    private mutating func append(_ instruction: Instruction) throws(PatternError) -> Int {
        guard instructions.count < Self.maximumInstructions else {
            throw PatternError(message: "the pattern is too large once its counted repetitions are written out "
                                   + "(more than \(Self.maximumInstructions) steps); use smaller counts", offset: 0)
        }
        instructions.append(instruction)
        return instructions.count - 1
    }

    private mutating func emit(_ node: PatternNode) throws(PatternError) {
        switch node {
        case .empty:
            break
        case .scalar(let scalar):
            _ = try append(.scalar(CaseFolding.lower(scalar.value)))
        case .set(let set):
            sets.append(set)
            _ = try append(.set(sets.count - 1))
        case .assertion(let assertion):
            _ = try append(.assertion(assertion))
        case .concatenation(let items):
            for item in items { try emit(item) }
        case .alternation(let branches):
            // split L1, next; L1: branch; jump end; next: split L2, … ; last branch.
            var jumps: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index < branches.count - 1 {
                    let split = try append(.split(0, 0))
                    try emit(branch)
                    jumps.append(try append(.jump(0)))
                    instructions[split] = .split(split + 1, instructions.count)
                } else {
                    try emit(branch)
                }
            }
            for jump in jumps { instructions[jump] = .jump(instructions.count) }
        case .repetition(let inner, let minimum, let maximum):
            for _ in 0..<minimum { try emit(inner) }
            if let maximum {
                // Each optional copy: split into it or past all that follow.
                var splits: [Int] = []
                for _ in minimum..<maximum {
                    splits.append(try append(.split(0, 0)))
                    try emit(inner)
                }
                for split in splits { instructions[split] = .split(split + 1, instructions.count) }
            } else {
                // loop: split body, out; body; jump loop.
                let loop = try append(.split(0, 0))
                try emit(inner)
                _ = try append(.jump(loop))
                instructions[loop] = .split(loop + 1, instructions.count)
            }
        }
    }
}
