import Foundation

/// Turns the wall-clock times of an export (which carry no zone) into instants, in the zone of the exporting phone.
///
/// A wall-clock time that does not exist (skipped at the start of daylight-saving time) is read with the offset in
/// force before the gap, so that it lands as far after the gap's start as it was written after it: `02:30` on a
/// spring-forward night in Berlin is `01:30Z`, which clocks show as `03:30`. A wall-clock time that happens twice
/// (repeated at the end of daylight-saving time) is read as its first occurrence, the one with the larger offset:
/// the phone wrote the export's lines in order, and the first reading keeps them in order more often.
struct ChatClock {
    let zone: TimeZone
    /// The last whole hour whose offset was found constant, and that offset.
    private var cachedHour: Int64 = .min
    private var cachedOffset: Int64 = 0
    /// The zone's one offset when it has no transitions (UTC, `Etc/GMT+3`), found once: asking Foundation per
    /// message was a measurable part of the parse.
    private let fixedOffset: Int64?

    init(zone: TimeZone) {
        self.zone = zone
        let isFixed =
            zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: 0)) == nil
            && zone.secondsFromGMT(for: Date(timeIntervalSince1970: 0))
                == zone.secondsFromGMT(for: Date(timeIntervalSince1970: 2_000_000_000))
        self.fixedOffset = isFixed ? Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: 0))) : nil
    }

    /// The instant, in seconds since 1970, of the local time `local` (seconds since 1970 as if it were UTC).
    mutating func instant(local: Int64) -> Int64 {
        if let fixedOffset { return local - fixedOffset }
        let hour = local >= 0 ? local / 3600 : (local - 3599) / 3600
        if hour == cachedHour { return local - cachedOffset }
        let day: Int64 = 26 * 3600
        let before = offset(at: hour * 3600 - day)
        let after = offset(at: hour * 3600 + 3600 + day)
        if before == after && offset(at: hour * 3600 - before) == before {
            cachedHour = hour
            cachedOffset = before
            return local - before
        }
        // Near a transition: every offset seen around it, each tried exactly.
        let candidates = Set([before, after, offset(at: local - before), offset(at: local - after)])
        let valid = candidates.filter { offset(at: local - $0) == $0 }.sorted(by: >)
        if let first = valid.first { return local - first }
        return local - before
    }

    private func offset(at instant: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }

    /// Seconds since 1970 of a proleptic Gregorian civil date and time, as if it were UTC.
    static func localSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
        // Days from civil (H. Hinnant's algorithm), exact for every Gregorian date.
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
    }

    /// The number of days in `month` of `year`.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
