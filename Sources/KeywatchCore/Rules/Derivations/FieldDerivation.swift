/// A value a rule computes from a field, written after the field with `|`: `ip|network`,
/// `raw.requestParameters.policy|public`, `raw.requestParameters.granteePrincipal|accounts|foreign`.
///
/// Derivations chain left to right, each reading the value the one before it made, and work
/// wherever a field does: in `where` and `unless` (`ip|network|cidr: 10.0.0.0/8`), in `group_by`,
/// and in a type's own fields (`first_seen`'s `fields: [principal, ip|network]`). A value a
/// derivation cannot read (an address that is not one, a policy that is not JSON) is absent.
public enum FieldDerivation: String, CaseIterable, Sendable {
    /// The network of an address: its `/24` for IPv4, its `/48` for IPv6 (`203.0.113.0/24`). A
    /// caller moving within its network is not new; one calling from another network is.
    case network
    /// The AWS accounts (and organisations) a value names: the account of an ARN, a bare
    /// 12-digit id, or — for a policy document — every account its `Allow` statements let in,
    /// by principal or by a condition (`aws:SourceAccount`, `aws:PrincipalOrgID` → `o-…`).
    case accounts
    /// Of a list of accounts, those that are not ours (see ``DerivationContext``).
    case foreign
    /// Of a policy document: `true` when an `Allow` statement lets in everyone (`"*"`,
    /// `{"AWS": "*"}`, a `NotPrincipal`) with no condition that restricts who, else `false`.
    case isPublic = "public"
    /// Of a policy document: the principals its `Allow` statements name, as written; an open
    /// one with the condition that restricts it (`* where aws:PrincipalOrgID=o-a1b2c3d4e5`).
    case principals
    /// Of a policy document: each statement in one line — effect, principals, actions, and the
    /// resource and conditions when it has any — so that two versions of a policy differ by
    /// the lines one has and the other lacks (`change` rules show them as added and removed).
    case statements
    /// `true` when the value matches a decoy of identities.yaml (`decoys:`), else `false`.
    case decoy

    /// True when the result depends on the value alone, so one value's result holds for every
    /// event of a batch. ``foreign`` also depends on the accounts learned so far.
    var isPure: Bool { self != .foreign }

    /// The derived value of `value`.
    func apply(to value: FieldValue, in context: DerivationContext) -> FieldValue {
        switch self {
        case .network:
            return Self.eachText(value) { NetworkPrefix.of($0).map(FieldValue.string) ?? .absent }
        case .accounts:
            return Self.collect(value) { text in
                context.policy(text)?.accounts ?? AWSAccountID.named(by: text).map { [$0] } ?? []
            }
        case .foreign:
            let foreign = Self.texts(value).filter { !context.isOurs($0) }
            return foreign.isEmpty ? .absent : .list(foreign.map(FieldValue.string))
        case .isPublic:
            guard let text = value.text, let policy = context.policy(text) else { return .absent }
            return .string(policy.isPublic ? "true" : "false")
        case .principals:
            return Self.collect(value) { context.policy($0)?.principals ?? [] }
        case .statements:
            return Self.collect(value) { context.policy($0)?.statements ?? [] }
        case .decoy:
            return .string(Self.texts(value).contains(where: context.isDecoy) ? "true" : "false")
        }
    }

    /// The texts of a value: itself, or a list's elements.
    private static func texts(_ value: FieldValue) -> [String] {
        switch value {
        case .list(let items): return items.flatMap(texts)
        default: return value.text.map { [$0] } ?? []
        }
    }

    private static func eachText(_ value: FieldValue, _ transform: (String) -> FieldValue) -> FieldValue {
        if case .list(let items) = value { return .list(items.map { eachText($0, transform) }.filter { $0 != .absent }) }
        return value.text.map(transform) ?? .absent
    }

    /// The distinct strings `extract` finds in each text of `value`, in order; absent when none.
    private static func collect(_ value: FieldValue, _ extract: (String) -> [String]) -> FieldValue {
        var found: [String] = []
        for text in texts(value) {
            for item in extract(text) where !found.contains(item) { found.append(item) }
        }
        return found.isEmpty ? .absent : .list(found.map(FieldValue.string))
    }
}
