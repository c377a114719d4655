import KeywatchCore

/// The IAM policy a principal needs for the KMS calls it made, and nothing more: the exact
/// `kms:` actions, each on the keys it used them on. Keys used with the same actions share a
/// statement; actions that name no key (`ListKeys`, `CreateKey`, `GenerateRandom`) take
/// `"Resource": "*"`, as IAM requires.
public struct KMSPolicy: Sendable, Equatable {
    /// One `Allow` statement.
    public struct Statement: Sendable, Equatable {
        /// `kms:Decrypt`, …, sorted.
        public var actions: [String]
        /// Key (or alias) ARNs, sorted; `["*"]` for actions on no key.
        public var resources: [String]
    }

    public var statements: [Statement]

    /// The policy for `uses`: a principal's successful KMS calls.
    init?(uses: [ResourceUsage]) {
        var actionsByResource: [String: Set<String>] = [:]
        for use in uses where use.source == .awsKMS && use.outcome == .success {
            actionsByResource[Self.arn(of: use) ?? "*", default: []].insert("kms:" + use.operation)
        }
        guard !actionsByResource.isEmpty else { return nil }
        var resourcesByActions: [[String]: [String]] = [:]
        for (resource, actions) in actionsByResource where resource != "*" {
            resourcesByActions[actions.sorted(), default: []].append(resource)
        }
        // In the order of their first key; no two statements share a key.
        statements = resourcesByActions.map { Statement(actions: $0.key, resources: $0.value.sorted()) }
            .sorted { $0.resources[0] < $1.resources[0] }
        if let unscoped = actionsByResource["*"] {
            statements.append(Statement(actions: unscoped.sorted(), resources: ["*"]))
        }
    }

    /// The ARN an IAM policy names `use`'s key by: its resource when an ARN, else one made of
    /// the key id, region and account the event gives; nil when the call named no key.
    static func arn(of use: ResourceUsage) -> String? {
        guard let resource = use.resource, !resource.isEmpty else { return nil }
        if resource.hasPrefix("arn:") { return resource }
        guard let region = use.region, let account = use.account else { return resource }
        return "arn:aws:kms:\(region):\(account):\(resource.hasPrefix("alias/") ? resource : "key/" + resource)"
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
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return pretty ? PrettyJSON.indent(writer.string) : writer.string
    }
}
