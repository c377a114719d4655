/// What a reviewer reads in an AWS resource policy (a KMS key policy, as `PutKeyPolicy` and
/// `CreateKey` carry it in `requestParameters.policy`): whom its `Allow` statements let in.
///
/// `Deny` statements are not read: a deny can only take away, and whether it takes away what an
/// allow gives needs IAM's whole evaluation. A reading errs towards "open": a statement whose
/// condition restricts nothing a reviewer can name (`…IfExists`, a negated operator, a value of
/// `*`) counts as unrestricted.
struct PolicyReading: Equatable {
    /// An `Allow` statement lets in everyone, with no condition that restricts who.
    var isPublic = false
    /// The principals `Allow` statements name, as written; an open one with the condition that
    /// restricts it: `* where aws:PrincipalOrgID=o-a1b2c3d4e5`.
    var principals: [String] = []
    /// The accounts they let in: of principals' ARNs and ids, of restricting conditions on
    /// accounts and ARNs; organisation ids (`o-…`) of conditions on organisations.
    var accounts: [String] = []
    /// Every statement in one line, as a reviewer reads it: effect, principals, actions, and the
    /// resource and conditions when there are any — `Allow arn:aws:iam::111122223333:role/app
    /// kms:Decrypt,kms:GenerateDataKey*`. Two versions of a policy differ by the lines one has
    /// and the other lacks.
    var statements: [String] = []

    /// Condition keys that restrict who may call (lower-cased), and what their values name.
    private enum Restriction { case account, arn, organization, network }
    private static let restrictingKeys: [String: Restriction] = [
        "aws:sourceaccount": .account, "kms:calleraccount": .account, "aws:principalaccount": .account,
        "aws:resourceaccount": .account,
        "aws:sourcearn": .arn, "aws:principalarn": .arn,
        "aws:principalorgid": .organization, "aws:sourceorgid": .organization,
        "aws:principalorgpaths": .organization, "aws:sourceorgpaths": .organization,
        "aws:sourceip": .network, "aws:sourcevpc": .network, "aws:sourcevpce": .network,
    ]
    /// Operators under which a listed value restricts (`ForAnyValue:` stripped).
    private static let restrictingOperators: Set<String> = [
        "stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress",
    ]

    /// Reads `text` as a policy document; nil when it is not one (not JSON, no `Statement`).
    init?(json text: String, parser: JSONParser) {
        var text = text
        let reading: PolicyReading?? = text.withUTF8 { bytes in
            try? parser.parse(UnsafeRawBufferPointer(bytes)) { document in PolicyReading(document.root) }
        }
        guard let reading = reading ?? nil else { return nil }
        self = reading
    }

    private init?(_ root: JSONValue) {
        guard root.kind == .object, let statements = root.member(named: "Statement") else { return nil }
        for statement in statements.kind == .array ? Array(statements.elements) : [statements] where statement.kind == .object {
            read(statement)
        }
    }

    private mutating func read(_ statement: JSONValue) {
        let line = Self.line(of: statement)
        if !statements.contains(line) { statements.append(line) }
        guard statement.member(named: "Effect")?.string?.lowercased() == "allow" else { return }
        let restriction = Self.restriction(of: statement.member(named: "Condition"))
        var named: [String] = []
        if let principal = statement.member(named: "Principal") {
            named = Self.principals(of: principal)
        } else if statement.member(named: "NotPrincipal") != nil {
            named = ["*"]  // everyone but the listed
        }
        for principal in named {
            if principal == "*" {
                if let restriction {
                    add(principal: "* where \(restriction.described)")
                    for account in restriction.accounts where !accounts.contains(account) { accounts.append(account) }
                } else {
                    isPublic = true
                    add(principal: "*")
                }
            } else {
                add(principal: principal)
                if let account = AWSAccountID.named(by: principal), !accounts.contains(account) { accounts.append(account) }
            }
        }
    }

    private mutating func add(principal: String) {
        if !principals.contains(principal) { principals.append(principal) }
    }

    /// A statement in one line (see ``statements``).
    private static func line(of statement: JSONValue) -> String {
        func texts(_ value: JSONValue?) -> [String] {
            guard let value else { return [] }
            if let text = value.string { return [text] }
            if value.kind == .array { return value.elements.compactMap(\.string) }
            return []
        }
        var parts = [statement.member(named: "Effect")?.string ?? "?"]
        if let principal = statement.member(named: "Principal") {
            parts.append(principals(of: principal).joined(separator: ","))
        } else if let excluded = statement.member(named: "NotPrincipal") {
            parts.append("everyone-but:" + principals(of: excluded).joined(separator: ","))
        }
        let actions = texts(statement.member(named: "Action"))
        let excludedActions = texts(statement.member(named: "NotAction"))
        parts.append(actions.isEmpty && !excludedActions.isEmpty ? "all-but:" + excludedActions.joined(separator: ",") : actions.joined(separator: ","))
        let resources = texts(statement.member(named: "Resource"))
        if !resources.isEmpty, resources != ["*"] { parts.append("on " + resources.joined(separator: ",")) }
        if let condition = statement.member(named: "Condition"), condition.kind == .object {
            var clauses: [String] = []
            for (operatorName, keys) in condition.members where keys.kind == .object {
                for (key, value) in keys.members {
                    clauses.append("\(operatorName.string ?? "?") \(key.string ?? "?")=\(texts(value).joined(separator: ","))")
                }
            }
            if !clauses.isEmpty { parts.append("where " + clauses.joined(separator: "; ")) }
        }
        return parts.joined(separator: " ")
    }

    /// `"*"`, or the values of `{"AWS": …, "Service": …, "Federated": …, "CanonicalUser": …}`;
    /// an `AWS` value of `*` is everyone.
    private static func principals(of value: JSONValue) -> [String] {
        if let text = value.string { return [text] }
        guard value.kind == .object else { return [] }
        var found: [String] = []
        for (_, member) in value.members {
            for item in member.kind == .array ? Array(member.elements) : [member] {
                if let text = item.string { found.append(text) }
            }
        }
        return found
    }

    /// The restricting condition of a statement: its first condition key that restricts who may
    /// call, under an operator that restricts, with values that are not `*`.
    private struct Condition {
        var key: String
        var values: [String]
        var accounts: [String]
        var described: String { "\(key)=\(values.joined(separator: ","))" }
    }

    private static func restriction(of condition: JSONValue?) -> Condition? {
        guard let condition, condition.kind == .object else { return nil }
        for (operatorName, keys) in condition.members where keys.kind == .object {
            var name = operatorName.string?.lowercased() ?? ""
            if name.hasPrefix("foranyvalue:") { name.removeFirst("foranyvalue:".count) }
            guard restrictingOperators.contains(name) else { continue }
            for (key, value) in keys.members {
                guard let keyName = key.string, let kind = restrictingKeys[keyName.lowercased()] else { continue }
                let values = (value.kind == .array ? Array(value.elements) : [value]).compactMap(\.string)
                guard !values.isEmpty, !values.contains(where: { $0.trimmingCharacters(in: ["*", "?"]).isEmpty }) else { continue }
                let accounts: [String]
                switch kind {
                case .account, .arn: accounts = values.compactMap(AWSAccountID.named(by:))
                case .organization: accounts = values.map { String($0.split(separator: "/").first ?? Substring($0)) }
                case .network: accounts = []
                }
                return Condition(key: keyName, values: values, accounts: accounts)
            }
        }
        return nil
    }
}
