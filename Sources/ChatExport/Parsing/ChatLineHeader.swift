/// The date-and-time header that starts a message line of a chat export, read from the line's bytes.
///
/// It recognises the two layouts WhatsApp writes, with any of the date separators and clocks of the common
/// locales:
///
/// - Android: `15/01/2024, 10:00 - Alice: text`, `1/15/24, 9:05 PM - Alice: text`, `15.01.24, 10:00 - …`,
///   `2024-01-15 10:00 - …`, `15/01/2024 à 21:05 - …`;
/// - iOS: `[15/01/2024, 10:00:00] Alice: text`, `[1/15/24, 9:05:00 PM] Alice: text`, with the direction marks
///   (U+200E, U+200F, U+202A…U+202E, U+2066…U+2069) and the byte-order mark it puts in front, and the narrow
///   no-break space (U+202F) before `PM`;
/// - `AM`/`PM` in their spellings (`am`, `a.m.`, `a. m.`, `p. m.`) after the time, and the markers Japanese,
///   Chinese and Korean put before it (`午前`/`午後`, `上午`/`下午`, `오전`/`오후`).
///
/// The day/month order is not decided here: the three numbers of the date are kept as written.
struct ChatLineHeader {
    /// What a file's message lines have in common, so that a line shaped differently (a pasted message inside a
    /// message) is read as text rather than as a new message.
    struct Shape: Hashable {
        var bracketed: Bool
        /// `/`, `.`, `-` or a space for `. ` (dot and space).
        var dateSeparator: UInt8
        var hasSeconds: Bool
        var twelveHour: Bool
    }

    var shape: Shape
    /// The date's three numbers as written, and how many digits each had.
    var numbers: (UInt16, UInt16, UInt16)
    var digitCounts: (UInt8, UInt8, UInt8)
    var hour: UInt8
    var minute: UInt8
    var second: UInt8
    /// `true` for PM, `false` for AM, `nil` on a 24-hour clock.
    var afternoon: Bool?
    /// Where the rest of the line (author and text, or a system line's text) starts.
    var bodyStart: Int

    /// Whether the year comes first (`2024-01-15`, `2024/01/15`, `2024. 1. 15.`).
    var isYearFirst: Bool { digitCounts.0 == 4 }

    /// Reads the header at the start of `line`; `nil` when the line does not start with one.
    static func parse(_ line: UnsafeBufferPointer<UInt8>) -> ChatLineHeader? {
        var scanner = ByteScanner(line)
        scanner.skipInvisibles()
        let bracketed = scanner.take(UInt8(ascii: "["))
        scanner.skipInvisibles()
        guard let first = scanner.number(maximumDigits: 4) else { return nil }
        guard let separator = scanner.dateSeparator() else { return nil }
        guard let second = scanner.number(maximumDigits: 2) else { return nil }
        guard scanner.dateSeparator() == separator else { return nil }
        guard let third = scanner.number(maximumDigits: 4) else { return nil }
        // Year-first dates end with the day, day-first and month-first ones with a 2- or 4-digit year.
        if first.digits == 4 {
            guard third.digits <= 2 else { return nil }
        } else {
            guard first.digits <= 2, third.digits <= 2 || third.digits == 4 else { return nil }
        }
        if separator == UInt8(ascii: " ") || separator == UInt8(ascii: ".") { _ = scanner.take(UInt8(ascii: ".")) }
        _ = scanner.take(UInt8(ascii: ","))
        guard scanner.skipSpaces() || scanner.peekIsDigitOrMarker() else { return nil }
        // French Android writes `15/01/2024 à 21:05`.
        if scanner.take([0xC3, 0xA0]) {
            guard scanner.skipSpaces() else { return nil }
        }

        var afternoon = scanner.prefixMarker()
        if afternoon != nil { _ = scanner.skipSpaces() }
        guard let hour = scanner.number(maximumDigits: 2), scanner.take(UInt8(ascii: ":")) else { return nil }
        guard let minute = scanner.number(maximumDigits: 2), minute.digits == 2 else { return nil }
        var secondValue: UInt16 = 0
        var hasSeconds = false
        if scanner.take(UInt8(ascii: ":")) {
            guard let seconds = scanner.number(maximumDigits: 2), seconds.digits == 2 else { return nil }
            secondValue = seconds.value
            hasSeconds = true
        }
        if afternoon == nil {
            let position = scanner.position
            _ = scanner.skipSpaces()
            afternoon = scanner.suffixMarker()
            if afternoon == nil { scanner.position = position }
        }
        guard minute.value < 60, secondValue < 60 else { return nil }
        if afternoon != nil {
            guard hour.value <= 12 else { return nil }
        } else {
            guard hour.value < 24 else { return nil }
        }

        if bracketed {
            guard scanner.take(UInt8(ascii: "]")) else { return nil }
            guard scanner.skipSpaces() || scanner.isAtEnd else { return nil }
        } else {
            _ = scanner.skipSpaces()
            guard scanner.dash() else { return nil }
            guard scanner.skipSpaces() || scanner.isAtEnd else { return nil }
        }
        return ChatLineHeader(
            shape: Shape(
                bracketed: bracketed,
                dateSeparator: separator,
                hasSeconds: hasSeconds,
                twelveHour: afternoon != nil
            ),
            numbers: (first.value, second.value, third.value),
            digitCounts: (first.digits, second.digits, third.digits),
            hour: UInt8(hour.value),
            minute: UInt8(minute.value),
            second: UInt8(secondValue),
            afternoon: afternoon,
            bodyStart: scanner.position
        )
    }
}

/// A cursor over a line's bytes with the few token readers the header needs.
struct ByteScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    func byte(at offset: Int = 0) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard self.byte() == byte else { return false }
        position += 1
        return true
    }

    mutating func take(_ sequence: [UInt8]) -> Bool {
        guard position + sequence.count <= bytes.count else { return false }
        for (index, byte) in sequence.enumerated() where bytes[position + index] != byte { return false }
        position += sequence.count
        return true
    }

    /// Skips the byte-order mark and the direction marks WhatsApp puts around names and at line starts.
    mutating func skipInvisibles() {
        while let length = Self.invisibleLength(bytes, at: position) { position += length }
    }

    /// The length of the invisible character at `index` (U+200E/F, U+202A…E, U+2066…9, U+FEFF), or `nil`.
    static func invisibleLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        guard index + 2 < bytes.count else { return nil }
        let (a, b, c) = (bytes[index], bytes[index + 1], bytes[index + 2])
        if a == 0xE2 && b == 0x80 && (c == 0x8E || c == 0x8F || (0xAA...0xAE).contains(c)) { return 3 }
        if a == 0xE2 && b == 0x81 && (0xA6...0xA9).contains(c) { return 3 }
        if a == 0xEF && b == 0xBB && c == 0xBF { return 3 }
        return nil
    }

    /// Skips spaces, no-break spaces (U+00A0, U+202F) and invisibles; whether any was there.
    mutating func skipSpaces() -> Bool {
        let before = position
        while let byte = byte() {
            if byte == 0x20 || byte == 0x09 {
                position += 1
            } else if byte == 0xC2 && self.byte(at: 1) == 0xA0 {
                position += 2
            } else if byte == 0xE2 && self.byte(at: 1) == 0x80 && self.byte(at: 2) == 0xAF {
                position += 3
            } else if let length = Self.invisibleLength(bytes, at: position) {
                position += length
            } else {
                break
            }
        }
        return position > before
    }

    mutating func number(maximumDigits: Int) -> (value: UInt16, digits: UInt8)? {
        var value: UInt16 = 0
        var digits = 0
        while let byte = byte(), byte >= 0x30 && byte <= 0x39 {
            guard digits < maximumDigits else { return nil }
            value = value * 10 + UInt16(byte - 0x30)
            digits += 1
            position += 1
        }
        return digits == 0 ? nil : (value, UInt8(digits))
    }

    /// `/`, `.`, `-`, or `. ` (returned as a space): the date separators of the common locales.
    mutating func dateSeparator() -> UInt8? {
        guard let byte = byte() else { return nil }
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: "-"):
            position += 1
            return byte
        case UInt8(ascii: "."):
            position += 1
            if self.byte() == UInt8(ascii: " ") {
                position += 1
                return UInt8(ascii: " ")
            }
            return byte
        default:
            return nil
        }
    }

    func peekIsDigitOrMarker() -> Bool {
        guard let byte = byte() else { return false }
        return (byte >= 0x30 && byte <= 0x39) || byte >= 0xE0
    }

    /// `-`, or an en dash, which some exports and tools write instead.
    mutating func dash() -> Bool {
        take(UInt8(ascii: "-")) || take([0xE2, 0x80, 0x93])
    }

    private static let prefixMarkers: [([UInt8], Bool)] = [
        (Array("午前".utf8), false), (Array("午後".utf8), true),
        (Array("上午".utf8), false), (Array("下午".utf8), true),
        (Array("오전".utf8), false), (Array("오후".utf8), true),
    ]

    private static let prefixMarkersLowestLead = prefixMarkers.map { $0.0[0] }.min() ?? 0

    /// A marker written before the time (Japanese, Chinese, Korean); `true` for the afternoon.
    mutating func prefixMarker() -> Bool? {
        // Most lines are ruled out by their first byte (every marker is CJK, whose UTF-8 starts at 0xE0 or above).
        guard let first = byte(), first >= Self.prefixMarkersLowestLead else { return nil }
        for (marker, afternoon) in Self.prefixMarkers where take(marker) { return afternoon }
        return nil
    }

    /// `AM`/`PM` written after the time: `AM`, `am`, `a.m.`, `a. m.`, or one of the prefix markers.
    mutating func suffixMarker() -> Bool? {
        if let marker = prefixMarker() { return marker }
        guard let first = byte() else { return nil }
        let lower = first | 0x20
        guard lower == UInt8(ascii: "a") || lower == UInt8(ascii: "p") else { return nil }
        let start = position
        position += 1
        _ = take(UInt8(ascii: "."))
        _ = take(UInt8(ascii: " "))
        guard let m = byte(), m | 0x20 == UInt8(ascii: "m") else {
            position = start
            return nil
        }
        position += 1
        _ = take(UInt8(ascii: "."))
        // A letter right after would make this a word, not a marker.
        if let next = byte(), (next | 0x20) >= UInt8(ascii: "a") && (next | 0x20) <= UInt8(ascii: "z") {
            position = start
            return nil
        }
        return lower == UInt8(ascii: "p")
    }
}
