import Foundation

/// Parsing and formatting of RFC 3339 timestamps (`2026-11-23T10:15:00Z`, `2026-11-23T10:15:00.123Z`).
///
/// Written by hand rather than with `ISO8601DateFormatter` because it runs for every item on the hot path, must
/// not depend on the locale, and must reject impossible dates (month 13, 31 June, a leap second) that some
/// formatters silently roll over.
public enum RFC3339 {
    /// Parses an RFC 3339 `date-time`.
    ///
    /// Accepts `T` or `t` or a space as the separator, `Z`/`z` or a numeric offset (`+01:00`), and a fraction of
    /// any length, kept to the millisecond (truncated). Instants in the years 0001 to 9999 UTC only.
    ///
    /// - Returns: The instant, or `nil` when the text is not a valid timestamp.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// Parses an RFC 3339 `date-time` from UTF-8 bytes; see ``parse(_:)``.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
                index += 1
            }
            return value
        }
        func expect(_ accepted: UInt8...) -> Bool {
            guard index < bytes.count, accepted.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2),
            expect(0x54, 0x74, 0x20), let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A),
            let second = digits(2)
        else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour <= 23,
            minute <= 59, second <= 59
        else { return nil }
        // Milliseconds, truncated: the precision every timestamp is written back with (checkpoints, requests,
        // headers). Summing a long fraction such as `.9999999` in floating point would round it up into the next
        // second when written, and from 9999-12-31T23:59:59 into year 10000.
        var milliseconds = 0
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            var count = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if count < 3 { milliseconds = milliseconds * 10 + Int(bytes[index] - 0x30) }
                count += 1
                index += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<max(count, 3) { milliseconds *= 10 }
        }
        var offsetSeconds = 0
        if expect(0x5A, 0x7A) {
            offsetSeconds = 0
        } else if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D {
            let sign = bytes[index] == 0x2D ? -1 : 1
            index += 1
            guard let offsetHour = digits(2), expect(0x3A), let offsetMinute = digits(2), offsetHour <= 23,
                offsetMinute <= 59
            else { return nil }
            offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        // The instant itself must lie in years 0001 to 9999 UTC: an offset can push 9999-12-31 into year 10000,
        // which an RFC 5322 Date header and most readers cannot hold.
        guard seconds >= firstSecond, seconds < endSecond else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1000)
    }

    /// 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z, in seconds since 1970.
    private static let firstSecond = daysFromCivil(year: 1, month: 1, day: 1) * 86_400
    private static let endSecond = daysFromCivil(year: 10_000, month: 1, day: 1) * 86_400

    /// Formats an instant in UTC, with milliseconds only when the instant has a fractional second.
    ///
    /// `2026-11-23T10:15:00Z` or `2026-11-23T10:15:00.120Z`.
    public static func format(_ date: Date) -> String {
        let (seconds, milliseconds) = split(date)
        let parts = civil(fromSecondsSince1970: seconds)
        if (0...9999).contains(parts.year) {
            // Formatted several times per message: straight into the string's storage, no intermediate strings.
            return String(unsafeUninitializedCapacity: 24) { buffer in
                write(parts, milliseconds: milliseconds, into: buffer)
            }
        }
        var text = pad(parts.year, 4) + "-" + pad(parts.month, 2) + "-" + pad(parts.day, 2) + "T"
        text += pad(parts.hour, 2) + ":" + pad(parts.minute, 2) + ":" + pad(parts.second, 2)
        if milliseconds != 0 {
            text += "." + pad(Int(milliseconds), 3)
        }
        return text + "Z"
    }

    /// Appends ``format(_:)``'s text to `bytes` as UTF-8, without making a `String`.
    package static func append(_ date: Date, to bytes: inout [UInt8]) {
        let (seconds, milliseconds) = split(date)
        let parts = civil(fromSecondsSince1970: seconds)
        guard (0...9999).contains(parts.year) else {
            bytes.append(contentsOf: format(date).utf8)
            return
        }
        var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &storage) { raw in
            let buffer = raw.bindMemory(to: UInt8.self)
            let count = write(parts, milliseconds: milliseconds, into: buffer)
            bytes.append(contentsOf: buffer[..<count])
        }
    }

    /// Whole seconds and milliseconds of an instant, rounded to the millisecond.
    private static func split(_ date: Date) -> (seconds: Int64, milliseconds: Int64) {
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = totalMilliseconds / 1000
        var milliseconds = totalMilliseconds % 1000
        if milliseconds < 0 {
            milliseconds += 1000
            seconds -= 1
        }
        return (seconds, milliseconds)
    }

    /// Writes the text of a year 0 to 9999 into `buffer` (24 bytes at least); returns its length.
    private static func write(
        _ parts: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int),
        milliseconds: Int64,
        into buffer: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        var index = 0
        func put(_ value: Int, _ width: Int, then separator: UInt8?) {
            var remaining = value
            for offset in stride(from: width - 1, through: 0, by: -1) {
                buffer[index + offset] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            }
            index += width
            if let separator {
                buffer[index] = separator
                index += 1
            }
        }
        put(parts.year, 4, then: UInt8(ascii: "-"))
        put(parts.month, 2, then: UInt8(ascii: "-"))
        put(parts.day, 2, then: UInt8(ascii: "T"))
        put(parts.hour, 2, then: UInt8(ascii: ":"))
        put(parts.minute, 2, then: UInt8(ascii: ":"))
        put(parts.second, 2, then: milliseconds != 0 ? UInt8(ascii: ".") : UInt8(ascii: "Z"))
        if milliseconds != 0 { put(Int(milliseconds), 3, then: UInt8(ascii: "Z")) }
        return index
    }

    /// The UTC calendar fields of an instant given in whole seconds since 1970.
    public static func civil(
        fromSecondsSince1970 seconds: Int64
    ) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // 1970-01-01 was a Thursday; 0 is Sunday.
        var weekday = (days + 4) % 7
        if weekday < 0 { weekday += 7 }
        return (
            Int(year), Int(month), Int(day), Int(secondOfDay / 3600), Int(secondOfDay % 3600 / 60),
            Int(secondOfDay % 60), Int(weekday)
        )
    }

    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
