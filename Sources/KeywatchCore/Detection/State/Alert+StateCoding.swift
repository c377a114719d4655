/// An open alert in the bytes of ``DetectionState/encode(chunkSize:_:)``: restored as it was, so later events join it.
extension Alert {
    func encode(to out: inout StateWriter) {
        out.put([id, key, rule, title, severity.rawValue, summary, ruleFile, ruleSHA256])
        out.put(group.map(\.field))
        out.put(group.map(\.value))
        out.put(Int64(count))
        out.put(window?.start.microseconds)
        out.put(window?.end.microseconds)
        out.put(firstSeen.microseconds)
        out.put(lastSeen.microseconds)
        out.put(events)
        out.put(UInt64(details.count))
        for detail in details {
            out.put(detail.name)
            switch detail.value {
            case .text(let text): out.put(UInt64(0)); out.put(text)
            case .integer(let number): out.put(UInt64(1)); out.put(Int64(number))
            case .number(let number): out.put(UInt64(2)); out.put(number.bitPattern)
            case .list(let items): out.put(UInt64(3)); out.put(items)
            case .changes(let changes):
                out.put(UInt64(4))
                out.put(UInt64(changes.count))
                for change in changes {
                    out.put(change.name)
                    out.put(change.old)
                    out.put(change.new)
                }
            }
        }
    }

    init(from input: inout StateReader) throws(StateDecodingError) {
        let texts = try input.strings()
        guard texts.count == 8, let severity = Rule.Severity(rawValue: texts[4]) else {
            throw StateDecodingError(message: "a stored alert is damaged")
        }
        let fields = try input.strings()
        let values = try input.strings()
        id = texts[0]
        key = texts[1]
        rule = texts[2]
        title = texts[3]
        self.severity = severity
        summary = texts[5]
        ruleFile = texts[6]
        ruleSHA256 = texts[7]
        group = zip(fields, values).map { GroupValue(field: $0, value: $1) }
        count = Int(try input.signed())
        let start = try input.optionalSigned(), end = try input.optionalSigned()
        window = start.flatMap { start in end.map { AlertWindow(start: Timestamp(microseconds: start), end: Timestamp(microseconds: $0)) } }
        firstSeen = Timestamp(microseconds: try input.signed())
        lastSeen = Timestamp(microseconds: try input.signed())
        events = try input.strings()
        details = []
        for _ in 0..<(try input.count()) {
            let name = try input.string()
            switch try input.unsigned() {
            case 0: details.append(AlertDetail(name, .text(try input.string())))
            case 1: details.append(AlertDetail(name, .integer(Int(try input.signed()))))
            case 2: details.append(AlertDetail(name, .number(Double(bitPattern: try input.unsigned()))))
            case 3: details.append(AlertDetail(name, .list(try input.strings())))
            default:
                var changes: [AlertDetail.Change] = []
                for _ in 0..<(try input.count()) {
                    changes.append(AlertDetail.Change(try input.string(), old: try input.optionalString(), new: try input.optionalString()))
                }
                details.append(AlertDetail(name, .changes(changes)))
            }
        }
    }
}
