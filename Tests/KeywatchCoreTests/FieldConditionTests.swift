import Testing
@testable import KeywatchCore

/// The condition language of rules' `where` and `unless` (docs/rules.md): fields, values, modifiers.
@Suite("Field conditions")
struct FieldConditionTests {
    /// A denied Key Vault secret read, the kind of event rules look at.
    let event: Event = {
        var event = Event(
            key: "k1", source: .azureKeyVault, time: Timestamp(microseconds: 1_763_629_200_000_000), operation: "SecretGet",
            eventClass: .read, outcome: .denied, resourceType: .secret)
        event.status = 403
        event.reason = .rbac
        event.principal = "8D116ECE-1738-47d9-bd9c-172411e20b8f"
        event.resource = "https://kv-payments.vault.azure.net/secrets/db-password"
        event.ip = "10.20.30.40"
        return event
    }()

    func holds(_ key: String, _ values: [String], for event: Event? = nil) throws -> Bool {
        let condition = try FieldCondition(key: key, values: values)
        guard case .normalized(let field) = condition.field else { Issue.record("not a normalized field"); return false }
        return condition.holds(for: (event ?? self.event).value(of: field))
    }

    @Test("equality is case-insensitive and any-of")
    func equality() throws {
        #expect(try holds("outcome", ["DENIED"]))
        #expect(try holds("operation", ["KeyGet", "secretget"]))
        #expect(try !holds("operation", ["KeyGet", "SecretSet"]))
        #expect(try holds("principal", ["8d116ece-1738-47d9-bd9c-172411e20b8f"]))
    }

    @Test("not negates the whole condition, and twice cancels")
    func negation() throws {
        #expect(try holds("operation|not", ["Authentication"]))
        #expect(try !holds("operation|not", ["Authentication", "SecretGet"]))
        #expect(try holds("operation|not|not", ["SecretGet"]))
    }

    @Test("contains, startswith, endswith")
    func substrings() throws {
        #expect(try holds("resource|contains", ["/SECRETS/"]))
        #expect(try holds("resource|startswith", ["https://kv-payments."]))
        #expect(try holds("resource|endswith", ["db-password", "nothing"]))
        #expect(try !holds("resource|endswith", ["db-passwor"]))
        #expect(try holds("resource|not|startswith", ["https://kv-platform."]))
    }

    @Test("all: every value must hold")
    func allValues() throws {
        #expect(try holds("resource|all|contains", ["kv-payments", "db-"]))
        #expect(try !holds("resource|all|contains", ["kv-payments", "api-key"]))
        #expect(try holds("resource|contains|all", ["kv-payments", "db-"]), "modifiers in any order")
    }

    @Test("re: a case-insensitive regular expression, anywhere in the value")
    func regularExpression() throws {
        #expect(try holds("resource|re", ["/secrets/DB-[a-z]+$"]))
        #expect(try !holds("resource|re", ["^/secrets/"]))
    }

    @Test("cidr: IPv4, IPv6, a bare address, and an IPv4-mapped IPv6 address")
    func networks() throws {
        #expect(try holds("ip|cidr", ["10.0.0.0/8"]))
        #expect(try holds("ip|cidr", ["192.168.0.0/16", "10.20.30.0/24"]))
        #expect(try !holds("ip|cidr", ["10.20.31.0/24"]))
        #expect(try holds("ip|cidr", ["10.20.30.40"]))
        #expect(try !holds("ip|cidr", ["10.20.30.41"]))
        #expect(try holds("ip|cidr", ["0.0.0.0/0"]))
        var v6 = event
        v6.ip = "fd00:1234::7"
        #expect(try holds("ip|cidr", ["fd00::/8"], for: v6))
        #expect(try !holds("ip|cidr", ["fe80::/10", "10.0.0.0/8"], for: v6))
        v6.ip = "::ffff:10.1.2.3"
        #expect(try holds("ip|cidr", ["10.0.0.0/8"], for: v6))
        v6.ip = "not an address"
        #expect(try !holds("ip|cidr", ["0.0.0.0/0"], for: v6))
        #expect(try holds("ip|not|cidr", ["0.0.0.0/0"], for: v6))
    }

    @Test("exists: present and non-empty, or not")
    func existence() throws {
        #expect(try holds("principal|exists", ["true"]))
        #expect(try holds("namespace|exists", ["false"]))
        #expect(try !holds("namespace|exists", ["true"]))
        var empty = event
        empty.namespace = ""
        #expect(try holds("namespace|exists", ["false"], for: empty))
    }

    @Test("gt, gte, lt, lte compare numbers; equality matches a number however it is spelled")
    func numbers() throws {
        #expect(try holds("status|gte", ["400"]))
        #expect(try holds("status|gt", ["402.5"]))
        #expect(try !holds("status|gt", ["403"]))
        #expect(try holds("status|lte", ["403"]))
        #expect(try !holds("status|lt", ["403"]))
        #expect(try holds("status", ["403.0"]))
        #expect(try !holds("principal|gt", ["0"]), "text that is not a number never compares")
        #expect(try !holds("namespace|lt", ["100"]), "an absent field never compares")
    }

    @Test("an absent field matches no value, but does match a negated condition")
    func absentFields() throws {
        #expect(try !holds("namespace", ["payments"]))
        #expect(try holds("namespace|not", ["payments"]))
        #expect(try !holds("namespace|contains", [""]))
    }

    @Test("raw.<path>: members, array positions, and arrays matching by any element")
    func rawPaths() throws {
        let record = #"{"requestParameters":{"keyId":"alias/Payments","grantTokens":["a","B"],"n":7},"resources":[{"ARN":"arn:x"}],"flag":true}"#
        var bytes = Array(record.utf8)
        func rawHolds(_ key: String, _ values: [String]) throws -> Bool {
            let condition = try FieldCondition(key: key, values: values)
            guard case .raw(let path) = condition.field else { Issue.record("not a raw field"); return false }
            return try bytes.withUnsafeMutableBytes { buffer in
                try JSONParser().parse(UnsafeRawBufferPointer(buffer)) { document in
                    condition.holds(for: document.root.fieldValue(at: path))
                }
            }
        }
        #expect(try rawHolds("raw.requestParameters.keyId|startswith", ["ALIAS/"]))
        #expect(try rawHolds("raw.requestParameters.grantTokens", ["b"]))
        #expect(try !rawHolds("raw.requestParameters.grantTokens", ["c"]))
        #expect(try rawHolds("raw.requestParameters.n|gte", ["7"]))
        #expect(try rawHolds("raw.requestParameters.n", ["7"]))
        #expect(try rawHolds("raw.resources.0.ARN", ["ARN:X"]))
        #expect(try rawHolds("raw.flag", ["true"]))
        #expect(try rawHolds("raw.requestParameters.missing|exists", ["false"]))
        #expect(try rawHolds("raw.requestParameters|exists", ["true"]), "an object is its JSON text")
        #expect(try rawHolds("raw.requestParameters|contains", ["\"n\":7"]))
        bytes = Array("[]".utf8)
        #expect(try !rawHolds("raw.anything", ["x"]))
    }

    @Test("mistakes are refused with a message saying what to write instead")
    func mistakes() {
        func message(_ key: String, _ values: [String]) -> String {
            do {
                _ = try FieldCondition(key: key, values: values)
                return "accepted"
            } catch {
                return error.message
            }
        }
        #expect(message("principle", ["x"]).hasPrefix("unknown field 'principle': use one of key, source"))
        #expect(message("raw.", ["x"]).hasPrefix("unknown field 'raw.'"))
        #expect(message("raw.a..b", ["x"]).hasPrefix("unknown field"))
        #expect(message("operation|startwith", ["x"]).hasPrefix("unknown modifier 'startwith'"))
        #expect(message("operation|contains|endswith", ["x"]).hasPrefix("two comparisons"))
        #expect(message("operation", []) == "no value to compare with")
        #expect(message("resource|re", ["(unclosed"]) == "'(unclosed' is not a regular expression keywatch reads: '(' is not closed (at character 1)")
        #expect(message("ip|cidr", ["10.0.0.0/33"]).hasPrefix("'10.0.0.0/33' is not a network"))
        #expect(message("ip|cidr", ["fd00::/129"]).hasPrefix("'fd00::/129' is not a network"))
        #expect(message("status|gt", ["four"]) == "'four' is not a number")
        #expect(message("namespace|exists", ["maybe"]) == "exists takes true or false, not 'maybe'")
    }

    @Test("a huge attacker-sized value is compared by its first bytes, and does not stop matching")
    func hugeValues() throws {
        var big = event
        big.resource = "https://kv-payments.vault.azure.net/secrets/" + String(repeating: "x", count: 1 << 20) + "END"
        #expect(try holds("resource|startswith", ["https://kv-payments."], for: big))
        #expect(try !holds("resource|endswith", ["END"], for: big))
        #expect(try holds("resource|re", ["^https://kv-payments\\."], for: big))
    }
}
