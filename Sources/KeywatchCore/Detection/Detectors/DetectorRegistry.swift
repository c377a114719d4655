/// The rule types, by the name a rule's `type:` gives. A new type is its detector's file and one
/// line here.
enum DetectorRegistry {
    static let all: [any Detector.Type] = [
        MatchDetector.self,
        ThresholdDetector.self,
        DistinctDetector.self,
        SpikeDetector.self,
        FirstSeenDetector.self,
        CrossNamespaceDetector.self,
        AbsenceDetector.self,
    ]

    /// The detector of the type `name`, nil for a type no detector has.
    static func detector(named name: String) -> (any Detector.Type)? {
        all.first { $0.type == name }
    }

    /// Every type's name, sorted: what an error about an unknown type lists.
    static var names: [String] { all.map { $0.type }.sorted() }
}
