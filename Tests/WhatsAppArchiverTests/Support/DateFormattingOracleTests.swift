import Foundation
import Testing

@testable import WhatsAppArchiver

/// RFC 3339 and RFC 5322 dates are written byte by byte into the string's storage; Foundation's own formatters
/// (POSIX locale, UTC) are the oracle, over instants spread from 1970 to 9999 with and without milliseconds.
@Suite struct DateFormattingOracleTests {
    static let instants: [Date] = {
        var instants: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            Date(timeIntervalSince1970: 1_795_429_800.12),  // 2026-11-23T10:30:00.120Z
            Date(timeIntervalSince1970: 253_402_300_799.999),  // 9999-12-31T23:59:59.999Z
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let milliseconds = Int64(state >> 20) % 253_402_300_799_999
            let wholeSecond = state & 1 == 0
            instants.append(
                Date(timeIntervalSince1970: Double(wholeSecond ? milliseconds / 1000 * 1000 : milliseconds) / 1000)
            )
        }
        return instants
    }()

    static func formatter(_ pattern: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.dateFormat = pattern
        return formatter
    }

    @Test func rfc3339MatchesFoundation() {
        let whole = Self.formatter("yyyy-MM-dd'T'HH:mm:ss'Z'")
        let fractional = Self.formatter("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
        for instant in Self.instants {
            let milliseconds = Int64((instant.timeIntervalSince1970 * 1000).rounded())
            let rounded = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let expected = milliseconds % 1000 == 0 ? whole.string(from: rounded) : fractional.string(from: rounded)
            #expect(RFC3339.format(instant) == expected, "\(instant.timeIntervalSince1970)")
        }
    }

    @Test func rfc5322MatchesFoundation() {
        let oracle = Self.formatter("EEE, d MMM yyyy HH:mm:ss '+0000'")
        for instant in Self.instants {
            let whole = Date(timeIntervalSince1970: instant.timeIntervalSince1970.rounded(.down))
            #expect(RFC5322Date.format(instant) == oracle.string(from: whole), "\(instant.timeIntervalSince1970)")
        }
    }
}
