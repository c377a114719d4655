extension Alert {
    /// Reads an alert back from its JSON (``json``, as `alerts` and the outbox keep it): every
    /// member ``write(to:)`` writes, with the values written — timestamps to the microsecond,
    /// group values and details in their order, each detail as the kind of value it was — so
    /// that `Alert(json: alert.json) == alert`. Members it does not know are ignored.
    ///
    /// A detail's number is an integer when written without a fraction or exponent: the writer
    /// writes every ``AlertDetail/Value/number(_:)`` with one.
    /// - Throws: ``AlertDecodingError`` naming the member at fault.
    public init(json: String) throws(AlertDecodingError) {
        var text = json
        let decoded: Result<Alert, AlertDecodingError>
        do {
            decoded = try text.withUTF8 { bytes in
                try JSONParser().parse(UnsafeRawBufferPointer(bytes)) { document in
                    Result { () throws(AlertDecodingError) in try Alert(AlertMember(document.root, path: "")) }
                }
            }
        } catch {
            // Only the parser throws here: reading the members returns its errors in the result.
            throw .notJSON("\(error)")
        }
        self = try decoded.get()
    }

    private init(_ root: AlertMember) throws(AlertDecodingError) {
        guard root.value.kind == .object else { throw .notAnObject(found: AlertDecodingError.describe(root.value)) }
        let status = try root.member("status")
        // No other status is written: an alert that says otherwise is not one this version knows.
        guard let known = AlertStatus(rawValue: try status.string()) else { throw status.invalid("\"firing\" or \"resolved\"") }
        let resolvedAt = try known == .resolved ? root.member("resolved_at").timestamp() : nil
        let window = try root.member("window")
        self.init(
            id: try root.member("id").string(), key: try root.member("key").string(), rule: try root.member("rule").string(),
            title: try root.member("title").string(), severity: try root.member("severity").severity(),
            group: try root.member("group").members().map { (member) throws(AlertDecodingError) in
                GroupValue(field: member.name, value: try member.string())
            },
            count: try root.member("count").integer(),
            window: window.value.isNull ? nil : AlertWindow(start: try window.member("start").timestamp(),
                                                            end: try window.member("end").timestamp()),
            firstSeen: try root.member("first_seen").timestamp(), lastSeen: try root.member("last_seen").timestamp(),
            summary: try root.member("summary").string(),
            details: try root.member("details").members().map { (member) throws(AlertDecodingError) in
                AlertDetail(member.name, try member.detail())
            },
            events: try root.member("events").strings(),
            ruleFile: try root.member("rule_file").string(), ruleSHA256: try root.member("rule_sha256").string(),
            resolvedAt: resolvedAt)
    }
}

/// A value in an alert's JSON and where it is (`window.start`, `details.values[2]`), so that an
/// error names the member at fault.
private struct AlertMember {
    let value: JSONValue
    let path: String
    /// The member's own name (the last part of the path).
    var name = ""

    init(_ value: JSONValue, path: String, name: String = "") {
        self.value = value
        self.path = path
        self.name = name
    }

    func wrongType(_ expected: String) -> AlertDecodingError {
        .wrongType(member: path, expected: expected, found: AlertDecodingError.describe(value))
    }

    func invalid(_ expected: String) -> AlertDecodingError {
        .invalidValue(member: path, expected: expected, value: AlertDecodingError.excerpt(value))
    }

    /// The member `name` of this object.
    func member(_ name: String) throws(AlertDecodingError) -> AlertMember {
        guard value.kind == .object else { throw wrongType("an object") }
        let path = self.path.isEmpty ? name : self.path + "." + name
        guard let member = value.member(named: name) else { throw .missingMember(path) }
        return AlertMember(member, path: path, name: name)
    }

    /// The members of this object in their order, repeated names too.
    func members() throws(AlertDecodingError) -> [AlertMember] {
        guard value.kind == .object else { throw wrongType("an object") }
        return value.members.map { key, member in
            let name = key.string ?? ""
            return AlertMember(member, path: path + "." + name, name: name)
        }
    }

    func string() throws(AlertDecodingError) -> String {
        guard let text = value.string else { throw wrongType("a string") }
        return text
    }

    func strings() throws(AlertDecodingError) -> [String] {
        guard value.kind == .array else { throw wrongType("a list of strings") }
        var strings: [String] = []
        for (position, element) in value.elements.enumerated() {
            strings.append(try AlertMember(element, path: "\(path)[\(position)]").string())
        }
        return strings
    }

    func integer() throws(AlertDecodingError) -> Int {
        guard value.kind == .number else { throw wrongType("an integer") }
        guard let number = JSONValue.parseInteger(value.rawBytes) else { throw invalid("a whole number within 64 bits") }
        return number
    }

    func timestamp() throws(AlertDecodingError) -> Timestamp {
        guard let time = Timestamp(parsing: try string()) else { throw invalid("an RFC 3339 time") }
        return time
    }

    func severity() throws(AlertDecodingError) -> Rule.Severity {
        guard let severity = Rule.Severity(rawValue: try string()) else {
            throw invalid("one of " + Rule.Severity.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return severity
    }

    /// A detail as the kind of value it was written from.
    func detail() throws(AlertDecodingError) -> AlertDetail.Value {
        switch value.kind {
        case .string:
            return .text(try string())
        case .array:
            return .list(try strings())
        case .number:
            let written = value.rawBytes
            if written.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
                guard let number = Double(String(decoding: written, as: UTF8.self)), number.isFinite else {
                    throw invalid("a number within a Double's range")
                }
                return .number(number)
            }
            return .integer(try integer())
        case .object:
            return .changes(try changes())
        case .true, .false, .null:
            throw wrongType("a string, a number, a list of strings or an object of changes")
        }
    }

    /// A `changed` detail: each member a value's name and its `[old, new]`, either null when not known.
    private func changes() throws(AlertDecodingError) -> [AlertDetail.Change] {
        var changes: [AlertDetail.Change] = []
        for member in try members() {
            let pair = Array(member.value.elements)
            guard member.value.kind == .array, pair.count == 2 else { throw member.wrongType("a list of the old and the new value") }
            func text(_ position: Int) throws(AlertDecodingError) -> String? {
                let element = AlertMember(pair[position], path: "\(member.path)[\(position)]")
                return element.value.isNull ? nil : try element.string()
            }
            changes.append(AlertDetail.Change(member.name, old: try text(0), new: try text(1)))
        }
        return changes
    }
}
