import Foundation
import Testing
import WhatsAppArchiver

struct RFC3339Tests {
    @Test(arguments: [
        ("2026-11-23T10:15:00Z", 1_795_428_900.0),
        ("2026-11-23T10:15:00.123Z", 1_795_428_900.123),
        ("2026-11-23t10:15:00z", 1_795_428_900.0),
        ("2026-11-23T11:15:00+01:00", 1_795_428_900.0),
        ("2026-11-23T05:45:00-04:30", 1_795_428_900.0),
        ("1970-01-01T00:00:00Z", 0.0),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
        ("0001-01-01T00:00:00Z", -62_135_596_800.0),
        ("9999-12-31T23:59:59Z", 253_402_300_799.0),
    ])
    func parsesValidTimestamps(text: String, seconds: Double) throws {
        let date = try #require(RFC3339.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_5)
    }

    @Test(arguments: [
        "", "2026-11-23", "2026-11-23T10:15Z", "2026-13-01T00:00:00Z", "2026-06-31T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T10:60:00Z", "2026-11-23T10:15:60Z",
        "2026-11-23T10:15:00", "2026-11-23T10:15:00.Z", "2026-11-23T10:15:00Z ", " 2026-11-23T10:15:00Z",
        "0000-01-01T00:00:00Z", "2026-11-23T10:15:00+0100", "2026-1-23T10:15:00Z", "２０２６-11-23T10:15:00Z",
    ])
    func rejectsInvalidTimestamps(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    /// Found by the hostile corpus: an offset, or a fraction that rounds up, must not carry an instant out of the
    /// years 0001 to 9999 (an RFC 5322 Date header in year 10000 is unreadable to most readers).
    @Test(arguments: ["9999-12-31T23:59:59-00:01", "9999-12-31T23:00:00-23:59", "0001-01-01T00:00:00+00:01"])
    func rejectsInstantsOutsideYears1To9999(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test(arguments: [
        "9999-12-31T23:59:59.999999999Z", "2026-11-23T10:15:59.\(String(repeating: "9", count: 400))Z",
        "0001-01-01T00:00:00.000000001Z",
    ])
    func aLongFractionNeverRoundsIntoTheNextSecond(text: String) throws {
        let date = try #require(RFC3339.parse(text))
        #expect(RFC3339.format(date).prefix(19) == text.prefix(19))
    }

    @Test(arguments: [
        "2026-11-23T10:15:00Z", "2026-11-23T10:15:00.120Z", "1969-12-31T23:59:59.500Z", "2000-02-29T12:00:00Z",
    ])
    func formatRoundTrips(text: String) throws {
        #expect(RFC3339.format(try #require(RFC3339.parse(text))) == text)
    }

    @Test func formattingDoesNotDependOnTheLocale() {
        setlocale(LC_ALL, "de_DE.UTF-8")
        defer { setlocale(LC_ALL, "C") }
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_795_428_900)) == "2026-11-23T10:15:00Z")
    }
}
