import Testing
@testable import KeywatchCore

/// Filters and group look-ups read fields at byte offsets: each offset must be its field's, and
/// an enumerated field's byte must tell its values apart, absent included.
@Suite("Row field locations")
struct RowFieldLocationTests {
    private static func row() -> EventRow {
        EventRow(key: .none, keyHash: 0, source: .awsKMS, time: Timestamp(microseconds: 0), eventClass: .crypto, outcome: .denied)
    }

    @Test("a row is plain bytes, so the offsets can be learned from a row of numbered words")
    func rowIsPlainBytes() {
        // RowFieldLocation's probe writes a number into every word of a row, enumerated fields'
        // bytes too, and reads only the string-table fields back: sound only while a row holds no
        // reference and needs no destruction.
        #expect(_isPOD(EventRow.self))
        for field in NormalizedField.allCases {
            guard let location = RowFieldLocation(field), !location.isEnumerated else { continue }
            #expect(location.offset % 4 == 0 && location.offset + 4 <= MemoryLayout<EventRow>.size, "\(field)")
        }
    }

    @Test("a string-table field is read at its own offset, whatever the other fields hold")
    func stringFieldsAtTheirOffsets() {
        var row = Self.row()
        // A distinct index in every string field, so that a location off by one field reads another number.
        let stringFields = NormalizedField.allCases.filter { BatchFields.stringIndex(of: $0, in: Self.row()) != nil }
        #expect(stringFields.count == 16)
        row.operation = StringIndex(rawValue: 101); row.errorCode = StringIndex(rawValue: 102)
        row.principal = StringIndex(rawValue: 103); row.principalName = StringIndex(rawValue: 104)
        row.appID = StringIndex(rawValue: 105); row.session = TextSpan(offset: 106, length: 106)
        row.namespace = StringIndex(rawValue: 107); row.serviceAccount = StringIndex(rawValue: 108)
        row.tenant = StringIndex(rawValue: 109); row.scope = StringIndex(rawValue: 110)
        row.resource = StringIndex(rawValue: 111); row.objectName = StringIndex(rawValue: 112)
        row.resourceNamespace = StringIndex(rawValue: 113); row.ip = StringIndex(rawValue: 114)
        row.userAgent = StringIndex(rawValue: 115); row.region = StringIndex(rawValue: 116)
        row.newSession = TextSpan(offset: 117, length: 117); row.account = StringIndex(rawValue: 118)
        var seen: Set<UInt32> = []
        for field in stringFields {
            let location = RowFieldLocation(field)!
            #expect(!location.isEnumerated)
            let number = withUnsafePointer(to: row) { location.number(in: $0) }
            #expect(number == BatchFields.stringIndex(of: field, in: row)!.rawValue, "\(field)")
            seen.insert(number)
        }
        #expect(seen.count == 16)
    }

    @Test("an enumerated field's byte differs for each of its values and for absent, and only it moves the byte")
    func enumeratedFieldsTellValuesApart() {
        func numbers(_ field: NormalizedField, _ rows: [EventRow]) -> [UInt32] {
            let location = RowFieldLocation(field)!
            #expect(location.isEnumerated)
            return rows.map { row in withUnsafePointer(to: row) { location.number(in: $0) } }
        }
        func variants<Value>(_ values: [Value], _ set: (inout EventRow, Value) -> Void) -> [EventRow] {
            values.map { value in
                var row = Self.row()
                set(&row, value)
                return row
            }
        }
        let cases: [(NormalizedField, [EventRow])] = [
            (.source, variants(EventSource.allCases) { $0.source = $1 }),
            (.eventClass, variants(EventClass.allCases) { $0.eventClass = $1 }),
            (.outcome, variants(Outcome.allCases) { $0.outcome = $1 }),
            (.reason, variants([nil] + DenialReason.allCases) { $0.reason = $1 }),
            (.principalType, variants([nil] + PrincipalType.allCases) { $0.principalType = $1 }),
            (.resourceType, variants(ResourceType.allCases) { $0.resourceType = $1 }),
        ]
        for (field, rows) in cases {
            let read = numbers(field, rows)
            #expect(Set(read).count == rows.count, "\(field): \(read)")
            #expect(read.allSatisfy { $0 < 256 })
            // Every other enumerated field reads the same byte in all of this field's variants.
            for (other, _) in cases where other != field {
                #expect(Set(numbers(other, rows)).count == 1, "\(other) moved with \(field)")
            }
        }
    }

    @Test("fields that are neither in the string table nor enumerated have no location")
    func otherFieldsHaveNone() {
        for field in [NormalizedField.key, .time, .status, .requestID, .session, .newSession, .origin] {
            #expect(RowFieldLocation(field) == nil)
        }
        #expect(NormalizedField.allCases.filter { RowFieldLocation($0) == nil }.count == 7)
    }
}
