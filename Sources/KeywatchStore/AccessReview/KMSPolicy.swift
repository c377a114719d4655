import KeywatchCore

/// The IAM policy a principal needs for the KMS calls it made, and nothing more: the exact
/// `kms:` actions, each on the keys it used them on. Keys used with the same actions share a
/// statement; actions that name no key (`ListKeys`, `CreateKey`, `GenerateRandom`) take
/// `"Resource": "*"`, as IAM requires; a key used only through an alias is granted through the
/// alias as IAM allows it — `"Resource": "*"` with the condition `kms:RequestAlias` — since an
/// alias's ARN grants nothing on its key.
public struct KMSPolicy: Sendable, Equatable {
    /// One `Allow` statement.
    public struct Statement: Sendable, Equatable {
        /// `kms:Decrypt`, …, sorted.
        public var actions: [String]
        /// Key (or, for the alias operations, alias) ARNs, sorted; `["*"]` for actions on no key
        /// and for those granted through aliases.
        public var resources: [String]
        /// The aliases (`alias/payments`) the actions are allowed through, as the condition
        /// `kms:RequestAlias`; empty for no condition.
        public var requestAliases: [String] = []
    }

    public var statements: [Statement]

    /// The policy for `uses`: a principal's successful KMS calls.
    init?(uses: [ResourceUsage]) {
        var actionsByResource: [String: Set<String>] = [:]
        var actionsByAlias: [String: Set<String>] = [:]
        for use in uses where use.source == .awsKMS {
            guard let action = Self.action(of: use.operation) else { continue }
            switch Self.target(of: use) {
            case .key(let arn): actionsByResource[arn, default: []].insert(action)
            case .alias(let name): actionsByAlias[name, default: []].insert(action)
            case .none: actionsByResource["*", default: []].insert(action)
            }
        }
        guard !actionsByResource.isEmpty || !actionsByAlias.isEmpty else { return nil }
        statements = Self.shared(actionsByResource.filter { $0.key != "*" }).map { Statement(actions: $0.actions, resources: $0.targets) }
        statements += Self.shared(actionsByAlias).map { Statement(actions: $0.actions, resources: ["*"], requestAliases: $0.targets) }
        if let unscoped = actionsByResource["*"] {
            statements.append(Statement(actions: unscoped.sorted(), resources: ["*"]))
        }
    }

    /// Targets used with the same actions, together: one statement each, in the order of their
    /// first target (no two statements share one).
    private static func shared(_ actionsByTarget: [String: Set<String>]) -> [(actions: [String], targets: [String])] {
        var targetsByActions: [[String]: [String]] = [:]
        for (target, actions) in actionsByTarget { targetsByActions[actions.sorted(), default: []].append(target) }
        return targetsByActions.map { ($0.key, $0.value.sorted()) }.sorted { $0.targets[0] < $1.targets[0] }
    }

    /// The IAM action of a CloudTrail event name: the same name, except `ReEncrypt`, which IAM
    /// splits into `ReEncryptFrom` and `ReEncryptTo` (`kms:ReEncrypt*`; the destination key is not
    /// among the fields keywatch keeps, so both are granted on the key the event names). Nil
    /// for a name that is no action (only a hostile record has one).
    static func action(of operation: String) -> String? {
        guard !operation.isEmpty, operation.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }) else { return nil }
        return operation == "ReEncrypt" ? "kms:ReEncrypt*" : "kms:" + operation
    }

    /// What a policy grants `use` on.
    enum Target: Equatable {
        /// A key (or, for the alias operations, an alias) ARN.
        case key(String)
        /// An alias the call named instead of its key: granted through `kms:RequestAlias`.
        case alias(String)
    }

    /// The alias operations, whose resource is the alias itself (and its key, named by the call).
    private static let aliasOperations: Set<String> = ["CreateAlias", "UpdateAlias", "DeleteAlias"]

    /// The target of `use`: its key's ARN — its resource when an ARN, else one made of the key id
    /// with the event's region and account (`*` for those the event does not give) — or the alias
    /// it named; nil when the call named no key.
    static func target(of use: ResourceUsage) -> Target? {
        guard let resource = use.resource, !resource.isEmpty else { return nil }
        let aliasName: String? = resource.hasPrefix("alias/") ? resource
            : resource.firstRange(of: ":alias/").map { String(resource[resource.index(after: $0.lowerBound)...]) }
        let arn = resource.hasPrefix("arn:") ? resource
            : "arn:aws:kms:\(use.region ?? "*"):\(use.account ?? "*"):\(aliasName ?? "key/" + resource)"
        if let aliasName, !aliasOperations.contains(use.operation) { return .alias(aliasName) }
        return .key(arn)
    }

    /// The policy document as JSON: `{"Version": "2012-10-17", "Statement": [...]}`, each
    /// statement with a `Sid` of its position. Indented two spaces per level when `pretty`, for
    /// a person to read and paste; else on one line.
    public func json(pretty: Bool) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("Version", "2012-10-17")
        writer.key("Statement")
        writer.beginArray()
        for (index, statement) in statements.enumerated() {
            writer.beginObject()
            writer.field("Sid", "KeywatchObserved\(index + 1)")
            writer.field("Effect", "Allow")
            writer.key("Action")
            writer.beginArray()
            statement.actions.forEach { writer.value($0) }
            writer.endArray()
            writer.key("Resource")
            if statement.resources == ["*"] {
                writer.value("*")
            } else {
                writer.beginArray()
                statement.resources.forEach { writer.value($0) }
                writer.endArray()
            }
            if !statement.requestAliases.isEmpty {
                writer.key("Condition")
                writer.beginObject()
                writer.key("StringEquals")
                writer.beginObject()
                writer.key("kms:RequestAlias")
                writer.beginArray()
                statement.requestAliases.forEach { writer.value($0) }
                writer.endArray()
                writer.endObject()
                writer.endObject()
            }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return pretty ? PrettyJSON.indent(writer.string) : writer.string
    }
}
