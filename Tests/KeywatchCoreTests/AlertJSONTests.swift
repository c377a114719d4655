import Foundation
import Testing
@testable import KeywatchCore

/// An alert's JSON read back: the alerts of every rule type exactly as raised, and malformed
/// JSON refused with the member at fault named.
@Suite("Alert JSON")
struct AlertJSONTests {
    /// Alerts of each rule type, raised by the engine as in DetectionTests (whose rules this
    /// borrows where they are its suite's own).
    static let raised: [(type: String, alerts: [Alert])] = {
        let match = rule("""
            id: key-destruction
            type: match
            where: {operation: [ScheduleKeyDeletion, DisableKey]}
            group_by: [principal, resource]
            """)
        let distinct = manyKeysRule(threshold: 2)
        let firstSeen = rule("""
            id: new-caller
            type: first_seen
            where: {class: crypto}
            fields: [principal, resource]
            learn: 1h
            """)
        let change = rule("""
            id: vault-change
            type: change
            where: {operation: VaultPatch}
            group_by: [scope]
            watch:
              networkAcls.defaultAction: raw.properties.properties.networkAcls.defaultAction
              enablePurgeProtection: raw.properties.properties.enablePurgeProtection
            """)
        let cross = SharedRules.crossNamespace
        let absence = SharedRules.sourceSilent
        let otherKey = "0d7c1a3b-5e2f-4a6d-9b8c-7e1f2a3b4c5d"
        let detection = DetectionTests()
        let identities = IdentityMap(
            namespaces: [
                "payments": .init(principals: [roleARN("payments-irsa")], resources: [Glob("arn:aws:kms:*:key/6513270e-*")]),
                "checkout": .init(principals: [roleARN("checkout-irsa")], resources: [Glob("arn:aws:kms:*:key/0d7c1a3b-*")]),
            ],
            shared: [])
        let silence = DetectionEngine(rules: [absence])
        let absent = detect([absence], [[kmsCall(at: at(0), by: "quiet-role"), kmsCall(at: at(0), by: "busy-role")],
                                        [kmsCall(at: at(2100), by: "busy-role")]], engine: silence)
        // quiet-role's events return: its alert resolved.
        let resolved = silence.process(decode(kmsCall(at: at(2400), by: "quiet-role"))).map(\.alert)
        return [
            ("match", detect([match], [[kmsCall(at: at(0), "ScheduleKeyDeletion"), kmsCall(at: at(1), "DisableKey")]])),
            ("threshold", detect([detection.deniedBurst], [(0..<6).map { kmsCall(at: at($0 * 30), denied: true) }])),
            ("distinct", detect([distinct], [[kmsCall(at: at(0)), kmsCall(at: at(1), key: otherKey), kmsCall(at: at(2))]])),
            ("spike", detect([detection.spike], [detection.traffic([4, 4, 4, 4, 4, 4, 13])])),
            ("first_seen", detect([firstSeen], [[kmsCall(at: at(0))], [kmsCall(at: at(4000), by: "new-role")]])),
            ("cross_namespace", detect([cross], [[kmsCall(at: at(1), by: "checkout-irsa"), kmsCall(at: at(2), by: "checkout-irsa")]],
                                       identities: identities)),
            ("change", detect([change], [[vaultWrite(at: at(0), properties: vaultProperties()),
                                          vaultWrite(at: at(60), properties: vaultProperties(defaultAction: "Allow", purgeProtection: false))]])),
            ("absence", absent),
            ("absence resolved", resolved),
        ]
    }()

    @Test("every rule type's alerts read back equal to the alerts raised, and write the same JSON again",
          arguments: raised.map(\.type))
    func roundTrip(type: String) throws {
        let alerts = try #require(Self.raised.first { $0.type == type }?.alerts)
        #expect(!alerts.isEmpty, "the \(type) fixture raises no alert")
        for alert in alerts {
            let read = try Alert(json: alert.json)
            #expect(read == alert)
            #expect(read.json == alert.json)
        }
    }

    @Test("a firing alert's JSON says firing and has no resolved_at; a resolved one says when, after its status")
    func status() throws {
        let firing = try #require(Self.raised.first { $0.type == "absence" }?.alerts.first)
        let resolved = try #require(Self.raised.first { $0.type == "absence resolved" }?.alerts.first)
        #expect(resolved.key == firing.key)
        #expect(firing.json.contains(#""severity":"medium","status":"firing","group":"#))
        #expect(!firing.json.contains("resolved_at"))
        let end = Timestamp(parsing: at(2400))!
        #expect(resolved.resolvedAt == end)
        #expect(resolved.json == firing.json.replacingOccurrences(
            of: #""status":"firing","#, with: #""status":"resolved","resolved_at":"\#(end.rfc3339)","#))
    }

    @Test("the fixtures raise the detail kinds a round trip must keep: text, integer, number, list and changes")
    func fixturesCoverEveryDetailKind() {
        let values = Self.raised.flatMap(\.alerts).flatMap(\.details).map(\.value)
        #expect(values.contains { if case .text = $0 { true } else { false } })
        #expect(values.contains { if case .integer = $0 { true } else { false } })
        #expect(values.contains { if case .number = $0 { true } else { false } })
        #expect(values.contains { if case .list(let items) = $0 { items.count > 1 } else { false } })
        let changes = values.flatMap { value -> [AlertDetail.Change] in if case .changes(let changes) = value { changes } else { [] } }
        #expect(changes.contains { $0.old == nil } && changes.contains { $0.old != nil })
        #expect(Self.raised.flatMap(\.alerts).contains { $0.window == nil })
        #expect(Self.raised.flatMap(\.alerts).contains { $0.window != nil })
    }

    /// What detection does not produce but a stored alert may hold: a collision id, hostile text,
    /// repeated group fields, numbers at their edges, microseconds.
    static let unusual = Alert(
        id: Alert.collisionID(forKey: String(repeating: "ab", count: 32)), key: String(repeating: "ab", count: 32),
        rule: "r\"ule\\", title: "Ti\ntle \u{1b}[31m é 😀 \u{2028}", severity: .critical,
        group: [GroupValue(field: "principal", value: ""), GroupValue(field: "principal", value: "b"),
                GroupValue(field: "z", value: "1"), GroupValue(field: "a", value: "\u{0}")],
        count: Int.max, window: AlertWindow(start: Timestamp(microseconds: 1), end: Timestamp(microseconds: 253_402_300_799_999_999)),
        firstSeen: Timestamp(microseconds: 1_796_000_000_123_457), lastSeen: Timestamp(microseconds: 1_796_000_000_999_999),
        summary: "", details: [
            AlertDetail("z", .integer(-42)), AlertDetail("a", .number(0.1)), AlertDetail("tiny", .number(.leastNonzeroMagnitude)),
            AlertDetail("huge", .number(.greatestFiniteMagnitude)), AlertDetail("whole", .number(3)),
            AlertDetail("min", .integer(Int.min)), AlertDetail("none", .list([])), AlertDetail("z", .text("")),
            AlertDetail("values", .list(["a,b", "\"", "é"])),
            AlertDetail("changed", .changes([AlertDetail.Change("a\"b", old: nil, new: "é"), AlertDetail.Change("gone", old: "x", new: nil),
                                             AlertDetail.Change("", old: "", new: "")])),
            AlertDetail("nothing", .changes([])),
        ],
        events: [], ruleFile: "", ruleSHA256: "")

    @Test("values detection does not produce read back exactly too: edges of numbers, escapes, order, repeats")
    func unusualValues() throws {
        let json = Self.unusual.json
        #expect(json.contains(#""whole":3.0"#))
        #expect(try Alert(json: json) == Self.unusual)
    }

    /// ``unusual`` without repeated names, for tests that edit it as a dictionary.
    static let sample: Alert = {
        var alert = unusual
        alert.group = [GroupValue(field: "principal", value: "b"), GroupValue(field: "a", value: "\u{0}")]
        alert.details = [AlertDetail("a", .number(0.1)), AlertDetail("values", .list(["a,b", "\"", "é"]))]
        return alert
    }()

    @Test("members the alert does not know are ignored; the times of other layouts are read")
    func tolerated() throws {
        let written = Self.unusual.firstSeen.rfc3339
        let json = Self.unusual.json
            .replacingOccurrences(of: #"{"id":"#, with: #"{"extra":{"nested":[1,2]},"id":"#)
            .replacingOccurrences(of: written, with: written.dropLast() + "+00:00")
        #expect(json.contains(#""extra""#) && !json.contains(written))
        #expect(try Alert(json: json) == Self.unusual)
    }

    static let members = ["id", "key", "rule", "title", "severity", "status", "group", "count", "window", "first_seen",
                          "last_seen", "summary", "details", "events", "rule_file", "rule_sha256"]

    @Test("the alert writes exactly the members it reads")
    func membersWritten() throws {
        #expect(Set(try Self.object(Self.unusual).keys) == Set(Self.members))
    }

    @Test("a missing member is named", arguments: members + ["window.start", "window.end"])
    func missingMember(name: String) throws {
        let error = try Self.error { object in
            if name.hasPrefix("window."), var window = object["window"] as? [String: Any] {
                window[String(name.dropFirst(7))] = nil
                object["window"] = window
            } else {
                object[name] = nil
            }
        }
        #expect(error == .missingMember(name))
        #expect(error?.description == "the alert has no \"\(name)\" member")
    }

    @Test("a member of the wrong kind is named with what it should be and what it is")
    func wrongType() throws {
        let cases: [(change: (inout [String: Any]) -> Void, error: AlertDecodingError)] = [
            ({ $0["count"] = "5" }, .wrongType(member: "count", expected: "an integer", found: "a string")),
            ({ $0["id"] = NSNull() }, .wrongType(member: "id", expected: "a string", found: "null")),
            ({ $0["window"] = ["start": 5, "end": "2026-11-20T09:00:00Z"] },
             .wrongType(member: "window.start", expected: "a string", found: "a number")),
            ({ $0["window"] = [1] }, .wrongType(member: "window", expected: "an object", found: "a list")),
            ({ $0["group"] = ["principal": ["x"]] }, .wrongType(member: "group.principal", expected: "a string", found: "a list")),
            ({ $0["details"] = ["flag": true] },
             .wrongType(member: "details.flag", expected: "a string, a number, a list of strings or an object of changes", found: "a boolean")),
            ({ $0["details"] = ["changed": ["x": ["a"]]] },
             .wrongType(member: "details.changed.x", expected: "a list of the old and the new value", found: "a list")),
            ({ $0["details"] = ["changed": ["x": ["a", 2]]] }, .wrongType(member: "details.changed.x[1]", expected: "a string", found: "a number")),
            ({ $0["details"] = ["values": ["a", 2]] }, .wrongType(member: "details.values[1]", expected: "a string", found: "a number")),
            ({ $0["events"] = ["e1", ["e2"]] }, .wrongType(member: "events[1]", expected: "a string", found: "a list")),
            ({ $0["events"] = "e1" }, .wrongType(member: "events", expected: "a list of strings", found: "a string")),
        ]
        for (change, expected) in cases {
            #expect(try Self.error(reading: change) == expected)
        }
        let error = AlertDecodingError.wrongType(member: "count", expected: "an integer", found: "a string")
        #expect(error.description == #"the alert's "count" is a string, not an integer"#)
    }

    @Test("a value an alert cannot have is named and quoted")
    func invalidValues() throws {
        let cases: [(change: (inout [String: Any]) -> Void, error: AlertDecodingError)] = [
            ({ $0["severity"] = "extreme" },
             .invalidValue(member: "severity", expected: "one of info, low, medium, high, critical", value: #""extreme""#)),
            ({ $0["status"] = "pending" }, .invalidValue(member: "status", expected: #""firing" or "resolved""#, value: #""pending""#)),
            ({ $0["status"] = "resolved" }, .missingMember("resolved_at")),
            ({ $0["status"] = "resolved"; $0["resolved_at"] = "soon" },
             .invalidValue(member: "resolved_at", expected: "an RFC 3339 time", value: #""soon""#)),
            ({ $0["first_seen"] = "yesterday" }, .invalidValue(member: "first_seen", expected: "an RFC 3339 time", value: #""yesterday""#)),
            ({ $0["count"] = 1.5 }, .invalidValue(member: "count", expected: "a whole number within 64 bits", value: "1.5")),
        ]
        for (change, expected) in cases {
            #expect(try Self.error(reading: change) == expected)
        }
        let tooLarge = Self.sample.json.replacingOccurrences(of: #""count":\#(Int.max)"#, with: #""count":99999999999999999999"#)
        #expect(tooLarge != Self.sample.json)
        let overflow = #expect(throws: AlertDecodingError.self) { try Alert(json: tooLarge) }
        #expect(overflow == .invalidValue(member: "count", expected: "a whole number within 64 bits", value: "99999999999999999999"))
        let long = String(repeating: "x", count: 100)
        let error = try Self.error { $0["last_seen"] = long }
        #expect(error?.description == "the alert's \"last_seen\" is \"\(long.prefix(58))…, not an RFC 3339 time")
    }

    @Test("a number past a Double's range in details is refused, not read as infinity")
    func infiniteNumber() throws {
        let json = Self.unusual.json.replacingOccurrences(of: #""a":0.1"#, with: #""a":1e400"#)
        #expect(json != Self.unusual.json)
        let error = #expect(throws: AlertDecodingError.self) { try Alert(json: json) }
        #expect(error == .invalidValue(member: "details.a", expected: "a number within a Double's range", value: "1e400"))
    }

    @Test("text that is not JSON, or JSON that is not an object, is refused with the reason")
    func notAnAlert() {
        for (text, expected) in [
            ("", AlertDecodingError.notJSON("invalid JSON at byte 0: empty record")),
            (#"{"id":"#, .notJSON("invalid JSON at byte 6: truncated JSON (input ends inside a value)")),
            ("kw-123", .notJSON("invalid JSON at byte 0: unexpected character 'k'")),
            ("[1]", .notAnObject(found: "a list")),
        ] {
            let error = #expect(throws: AlertDecodingError.self) { try Alert(json: text) }
            #expect(error == expected, "\(text)")
        }
        #expect(AlertDecodingError.notAnObject(found: "a list").description == "the alert is a list, not a JSON object")
        #expect(AlertDecodingError.notJSON("invalid JSON at byte 0: empty record").description
                == "the alert is not JSON: invalid JSON at byte 0: empty record")
    }

    /// The error reading ``sample`` changed by `change` (nil, and an issue, when it reads).
    static func error(reading change: (inout [String: Any]) -> Void) throws -> AlertDecodingError? {
        var object = try Self.object(Self.sample)
        change(&object)
        let json = try Self.text(object)
        return #expect(throws: AlertDecodingError.self) { try Alert(json: json) }
    }

    static func object(_ alert: Alert) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(alert.json.utf8)) as? [String: Any])
    }

    static func text(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}
