import KeywatchStore

/// What the writer did with a pushed request.
public enum PushAnswer: Sendable, Equatable {
    /// Its events were committed, with these counts.
    case stored(PushOutcome)
    /// Its key came with the same body before: nothing stored again; the first answer's counts.
    case replayed(PushOutcome)
    /// Its key came with another body before: nothing stored.
    case keyReused
}

extension PushAnswer {
    /// The counts answered: this request's, or the first one's for a replay; nil for a reused key.
    public var outcome: PushOutcome? {
        switch self {
        case .stored(let outcome), .replayed(let outcome): outcome
        case .keyReused: nil
        }
    }
}
