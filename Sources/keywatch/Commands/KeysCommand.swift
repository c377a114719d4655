import ArgumentParser
import KeywatchCore
import KeywatchStore

/// `keywatch keys`: the inventory of keys, secrets and certificates — who uses each, its versions
/// and rotation cadence, whether it rotates by itself — with the ones overdue against the rotation
/// policy, or whose rotation is off, first.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "An inventory of keys, secrets and certificates: users, last use, versions, rotation cadence, overdue ones first.",
        discussion: """
            Use (users, uses, last use: successful crypto and read events) is counted over --since; new versions \
            and rotation settings are looked for over all stored time. A new version is Key Vault KeyCreate, \
            KeyImport, KeyRotate, KeyRotateIfDue, SecretSet, CertificateCreate, CertificateImport, or KMS CreateKey, \
            RotateKey, RotateKeyOnDemand. AUTO-ROTATE is yes (EnableKeyRotation, or the service seen rotating it), \
            no (DisableKeyRotation), configured (KeyRotationPolicySet) or unknown. A resource is OVERDUE when its \
            last version is older than its policy (--rotation, or the first --rotation-for that matches its \
            resource or name); with no version in the store, its age is counted from the store's oldest event \
            (shown as >=). Overdue rows come first, then rotation off, then the rest, oldest first. \
            --format json prints one object per resource with every field.
            """
    )

    @Option(help: "The store.")
    var db = "keywatch.db"

    @Option(help: "Count use at or after this time (RFC 3339, or 30d, 90d ago).")
    var since = "90d"

    @Option(help: "The rotation policy: a resource with no new version for longer is overdue.")
    var rotation = "365d"

    @Option(name: .customLong("rotation-for"),
            help: ArgumentHelp("A stricter (or looser) policy for some resources: PATTERN=DURATION, PATTERN a glob over the resource or its name (repeatable; the first match wins).",
                               valueName: "pattern=duration"))
    var rotationFor: [String] = []

    @Option(help: "table, json (one object per resource) or csv.")
    var format: OutputFormat = .table

    func validate() throws {
        _ = try Self.duration(rotation, "--rotation")
        _ = try policies()
    }

    func run() throws {
        let now = Timestamp.now
        let since = try TimeOption.parse(self.since, "--since", now: now)
        let maximumAge = try Self.duration(rotation, "--rotation")
        let policies = try policies()
        let entries = try StoreAccess.reading(db, command: "keys") { reader in
            // Three reads on three connections at once: all time's lifecycle (an index's rows), and
            // the span's use in two halves — the span is most of a large store's rows.
            let db = self.db
            let histories = BackgroundValue { try EventReader(path: db).keyHistories() }
            let use = try SpanHalves.read(db, on: reader, since: since, until: nil) { try $0.keyUse(since: $1, until: $2) }
            return KeyInventory.entries(
                use: use.older + use.newer, histories: try histories.value(), now: now, oldestEvent: try reader.oldestEventTime(),
                rotation: maximumAge, policies: policies)
        }
        switch format {
        case .json:
            for entry in entries { Standard.out(KeyInventoryRows.json(entry)) }
        case .csv:
            Standard.out(CSV.line(KeyInventoryRows.csvHeader))
            for entry in entries { Standard.out(KeyInventoryRows.csv(entry)) }
        case .table:
            guard !entries.isEmpty else {
                Standard.error("no keys, secrets or certificates")
                return
            }
            KeyInventoryRows.table(entries).render().forEach(Standard.out)
        }
    }

    /// The `--rotation-for` policies, in the order given.
    func policies() throws -> [RotationPolicy] {
        try rotationFor.map { text in
            guard let equals = text.lastIndex(of: "="), equals != text.startIndex else {
                throw ValidationError("--rotation-for '\(text)' is not PATTERN=DURATION (such as 'etcd-*=90d')")
            }
            let maximumAge = try Self.duration(String(text[text.index(after: equals)...]), "--rotation-for '\(text)'")
            return RotationPolicy(pattern: Glob(String(text[..<equals])), maximumAge: maximumAge)
        }
    }

    /// A policy's duration (`365d`, `52w`): positive, and no longer than keywatch reads.
    static func duration(_ text: String, _ option: String) throws -> EventDuration {
        do {
            let duration = try EventDuration(validating: text)
            guard duration.microseconds > 0 else { throw ValidationError("\(option): the duration must be longer than 0") }
            return duration
        } catch let error as DurationError {
            throw ValidationError("\(option): \(error)")
        }
    }
}
