/// The fuzz targets: each takes one input through the code a hostile input reaches in keywatch and
/// checks what must hold whatever the input.
///
/// `make fuzz` drives them with libFuzzer (one executable per target under `Fuzz/Targets`, built only
/// with `KEYWATCH_FUZZ=1`); `make test` feeds them every reproducer under
/// `Tests/Fixtures/fuzz-regressions/<target>/`. Both run the same ``run(_:)``, so a crash found by
/// the fuzzer is reproduced by the test exactly.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// Bytes as a file ingested or tailed, or as a stream: framing, decoding and normalization,
    /// plain and gzip (``InputDecodingFuzzing``).
    case inputDecoding = "input-decoding"
    /// A rules file, then its valid rules run over real events (``RuleFileFuzzing``).
    case ruleFile = "rule-file"
    /// A daemon configuration file (``ConfigurationFuzzing``).
    case configuration
    /// An HTTP push body, plain or gzip, written in pieces under a size limit (``PushBodyFuzzing``).
    case pushBody = "push-body"

    /// Runs one input. A broken invariant is returned in ``FuzzOutcome/violations`` rather than
    /// trapping, so that a test can report it; a crash in the code under test crashes here.
    public func run(_ input: [UInt8]) -> FuzzOutcome {
        switch self {
        case .inputDecoding: InputDecodingFuzzing.run(input)
        case .ruleFile: RuleFileFuzzing.run(input)
        case .configuration: ConfigurationFuzzing.run(input)
        case .pushBody: PushBodyFuzzing.run(input)
        }
    }

    /// The body of a `LLVMFuzzerTestOneInput`: runs the input and traps on a broken invariant, the
    /// only way to make libFuzzer keep an input that is wrong without crashing.
    public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        let outcome = run(input)
        if let violation = outcome.violations.first {
            fatalError("\(rawValue): \(violation)")
        }
        return 0
    }
}

/// What became of one fuzz input.
public struct FuzzOutcome: Sendable, Equatable {
    /// What was accepted and what was rejected, with the reasons, in a line or two.
    public var summary: String
    /// Invariants the input broke; each one a bug.
    public var violations: [String]

    public init(summary: String, violations: [String] = []) {
        self.summary = summary
        self.violations = violations
    }

    /// Whether keywatch handled the input: parsed it or rejected it with reasons, and broke nothing.
    public var handled: Bool { violations.isEmpty && !summary.isEmpty }
}
