/// The rule types, by the name a rule's `type:` gives. A new type is its detector's file and one
/// line in ``standard``.
struct DetectorRegistry: Sendable {
    /// The types keywatch's rules may use.
    static let standard = DetectorRegistry([
        MatchDetector.self,
        ThresholdDetector.self,
        DistinctDetector.self,
        SpikeDetector.self,
        FirstSeenDetector.self,
        CrossNamespaceDetector.self,
        ProfileDetector.self,
        ChangeDetector.self,
        AbsenceDetector.self,
    ])

    let detectors: [any Detector.Type]

    /// A registry of `detectors` (tests make one with a type of their own).
    init(_ detectors: [any Detector.Type]) {
        self.detectors = detectors
    }

    /// The detector of the type `name`, nil for a type no detector has.
    func detector(named name: String) -> (any Detector.Type)? {
        detectors.first { $0.type == name }
    }

    /// Every type's name, sorted: what an error about an unknown type lists.
    var names: [String] { detectors.map { $0.type }.sorted() }
}
