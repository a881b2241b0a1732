import Foundation

/// The `date-time` of RFC 5322 section 3.3 in UTC: `Mon, 23 Nov 2026 10:15:00 +0000`.
///
/// Formatted by hand so that day and month names are English under any locale and the zone is numeric.
enum RFC5322Date {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `date` (whole seconds, rounded down) in UTC.
    static func format(_ date: Date) -> String {
        let parts = RFC3339.civil(fromSecondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
        if (0...9999).contains(parts.year) {
            // Once per message: straight into the string's storage, no intermediate strings.
            let weekday = weekdays[parts.weekday]
            let month = months[parts.month - 1]
            return String(unsafeUninitializedCapacity: 32) { buffer in
                var index = 0
                func put(_ text: String) {
                    for byte in text.utf8 {
                        buffer[index] = byte
                        index += 1
                    }
                }
                func put(_ value: Int, _ width: Int) {
                    var remaining = value
                    for offset in stride(from: width - 1, through: 0, by: -1) {
                        buffer[index + offset] = UInt8(ascii: "0") + UInt8(remaining % 10)
                        remaining /= 10
                    }
                    index += width
                }
                put(weekday)
                put(", ")
                put(parts.day, parts.day < 10 ? 1 : 2)
                put(" ")
                put(month)
                put(" ")
                put(parts.year, 4)
                put(" ")
                put(parts.hour, 2)
                put(":")
                put(parts.minute, 2)
                put(":")
                put(parts.second, 2)
                put(" +0000")
                return index
            }
        }
        return "\(weekdays[parts.weekday]), \(parts.day) \(months[parts.month - 1]) \(pad(parts.year, 4)) "
            + "\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2)) +0000"
    }

    /// ``format(_:)`` appended to `bytes` as UTF-8: the `Date` field of every message, without a string.
    static func append(_ date: Date, to bytes: inout [UInt8]) {
        let parts = RFC3339.civil(fromSecondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
        guard (0...9999).contains(parts.year) else {
            bytes.append(contentsOf: format(date).utf8)
            return
        }
        func put(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        bytes.append(contentsOf: weekdayBytes[parts.weekday])
        bytes.append(UInt8(ascii: ","))
        bytes.append(UInt8(ascii: " "))
        put(parts.day, parts.day < 10 ? 1 : 2)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: monthBytes[parts.month - 1])
        bytes.append(UInt8(ascii: " "))
        put(parts.year, 4)
        bytes.append(UInt8(ascii: " "))
        put(parts.hour, 2)
        bytes.append(UInt8(ascii: ":"))
        put(parts.minute, 2)
        bytes.append(UInt8(ascii: ":"))
        put(parts.second, 2)
        bytes.append(contentsOf: " +0000".utf8)
    }

    private static let weekdayBytes: [[UInt8]] = weekdays.map { Array($0.utf8) }
    private static let monthBytes: [[UInt8]] = months.map { Array($0.utf8) }

    /// `date` for a reader: `2026-11-23 10:15:00 UTC` (milliseconds when the instant has them).
    static func readable(_ date: Date) -> String {
        // RFC 3339 in UTC is ASCII: edited as bytes, not as characters, straight into the result's storage (no
        // array in between: this runs at least twice per message).
        var text = RFC3339.format(date)
        return text.withUTF8 { source in
            let kept = max(source.count - 1, 0)
            return String(unsafeUninitializedCapacity: kept + 4) { buffer in
                for index in 0..<kept {
                    buffer[index] = source[index] == UInt8(ascii: "T") ? UInt8(ascii: " ") : source[index]
                }
                for (offset, byte) in " UTC".utf8.enumerated() { buffer[kept + offset] = byte }
                return kept + 4
            }
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
