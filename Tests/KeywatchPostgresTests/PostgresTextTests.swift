import Testing
@testable import KeywatchPostgres

@Suite("PostgreSQL text encoding")
struct PostgresTextTests {
    @Test("values without NUL or U+FFFE are stored as they are", arguments: ["", "plain", "a'b\\c\td\ne", "\u{FFFD}\u{FFFF}ü🔒"])
    func identity(_ value: String) {
        #expect(PostgresText.encode(value) == value)
        #expect(PostgresText.decode(value) == value)
    }

    @Test("NUL and U+FFFE are encoded without a NUL, and decode back exactly",
          arguments: ["\u{0}", "a\u{0}b", "\u{FFFE}", "\u{FFFE}0", "\u{0}\u{FFFE}\u{0}", "x\u{FFFE}\u{FFFE}0\u{0}0"])
    func roundTrip(_ value: String) {
        let stored = PostgresText.encode(value)
        #expect(!stored.unicodeScalars.contains("\u{0}"))
        #expect(PostgresText.decode(stored) == value)
    }

    @Test("different values stay different once encoded, so equality and uniqueness hold in SQL")
    func injective() {
        let values = ["\u{0}", "\u{FFFE}0", "\u{FFFE}\u{FFFE}", "\u{FFFE}", "0", "\u{0}0", "\u{FFFE}00"]
        #expect(Set(values.map(PostgresText.encode)).count == values.count)
    }
}
