/// Runs a ``PatternProgram`` over a value: every thread advances one scalar at a time, and a
/// thread is kept once per instruction, so a step costs at most the program's length and the
/// whole match the value's length times that — never more, whatever the pattern or the value.
struct PatternMatcher {
    let program: PatternProgram

    /// Whether the program matches somewhere in `value`.
    func matches(_ value: [UInt32]) -> Bool {
        let count = program.instructions.count
        var current = ThreadList(capacity: count)
        var next = ThreadList(capacity: count)
        var stack: [Int] = []
        if add(0, at: 0, in: value, to: &current, stack: &stack) { return true }
        for position in value.indices {
            let scalar = value[position]
            let folded = CaseFolding.lower(scalar)
            next.clear()
            for pc in current.members {
                let advances: Bool
                switch program.instructions[pc] {
                case .scalar(let wanted): advances = folded == wanted
                case .set(let index): advances = program.sets[index].contains(scalar)
                default: advances = false
                }
                if advances, add(pc + 1, at: position + 1, in: value, to: &next, stack: &stack) { return true }
            }
            if !program.anchoredAtStart, add(0, at: position + 1, in: value, to: &next, stack: &stack) { return true }
            swap(&current, &next)
            if current.members.isEmpty && program.anchoredAtStart { return false }
        }
        return false
    }

    /// Adds the thread at `pc` and every instruction it reaches without reading a scalar;
    /// true when one of them is the match.
    private func add(_ pc: Int, at position: Int, in value: [UInt32], to list: inout ThreadList, stack: inout [Int]) -> Bool {
        stack.append(pc)
        while let pc = stack.popLast() {
            guard list.insert(pc) else { continue }
            switch program.instructions[pc] {
            case .match:
                stack.removeAll(keepingCapacity: true)
                return true
            case .jump(let target):
                stack.append(target)
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .assertion(let assertion):
                if Self.holds(assertion, at: position, in: value) { stack.append(pc + 1) }
            case .scalar, .set:
                break
            }
        }
        return false
    }

    static func holds(_ assertion: PatternAssertion, at position: Int, in value: [UInt32]) -> Bool {
        switch assertion {
        case .start:
            return position == 0
        case .end:
            return position == value.count
        case .endOrFinalLineTerminator:
            let rest = value.count - position
            if rest == 0 { return true }
            if rest == 1 { return isLineTerminator(value[position]) }
            return rest == 2 && value[position] == 0x0D && value[position + 1] == 0x0A
        case .wordBoundary, .notWordBoundary:
            let before = position > 0 && ScalarSet.has(.word, value[position - 1])
            let after = position < value.count && ScalarSet.has(.word, value[position])
            return (before != after) == (assertion == .wordBoundary)
        }
    }

    private static func isLineTerminator(_ value: UInt32) -> Bool {
        ScalarSet.lineTerminators.contains { $0.contains(value) }
    }
}

/// The instructions threads are at, each once, in the order added.
struct ThreadList {
    private(set) var members: [Int] = []
    private var present: [Bool]

    init(capacity: Int) {
        present = Array(repeating: false, count: capacity)
        members.reserveCapacity(capacity)
    }

    mutating func insert(_ pc: Int) -> Bool {
        if present[pc] { return false }
        present[pc] = true
        members.append(pc)
        return true
    }

    mutating func clear() {
        for pc in members { present[pc] = false }
        members.removeAll(keepingCapacity: true)
    }
}
