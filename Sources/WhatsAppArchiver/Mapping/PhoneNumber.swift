/// A phone number in its canonical form: the digits of an international (E.164) number, country code first.
///
/// TeleMessage's "External User ID" is such a number without the `+`; people write the same number in many ways,
/// so the parser accepts a leading `+` and the usual separators (spaces, `-`, `.`, parentheses) and keeps only
/// the digits: `+46 70-123 45 67`, `46701234567` and `+46 (70) 123.45.67` are the same number. It rejects letters
/// and any other character, a `+` that is not the first character, fewer than 6 or more than 15 digits, and a
/// first digit `0`, which no country code has (`070…` is a national number: it needs its country code).
///
/// Because the first digit is never `0`, the digits fit in a `UInt64` without losing information; numbers compare
/// and hash as integers, which keeps the mapper's per-participant lookup cheap.
public struct PhoneNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The number's digits as an integer; the first digit is never `0`, so this is the number without loss.
    public let value: UInt64

    /// The fewest digits an E.164 number has.
    public static let minimumDigits = 6
    /// The most digits an E.164 number has.
    public static let maximumDigits = 15

    /// Parses `text`; `nil` when it is not a phone number (``problem(with:)`` says why).
    public init?(_ text: String) {
        var text = text
        guard let value = text.withUTF8({ Self.parse($0).value }) else { return nil }
        self.value = value
    }

    /// The digits with the country code and without `+`: TeleMessage's "External User ID", `46701234567`.
    public var digits: String { String(value) }

    /// The E.164 form: `+46701234567`.
    public var description: String { "+" + digits }

    /// Orders numbers by their digits as integers.
    public static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool { lhs.value < rhs.value }

    /// Why `text` is not a phone number, or `nil` when it is.
    public static func problem(with text: String) -> String? {
        var text = text
        return text.withUTF8 { parse($0).problem }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (value: UInt64?, problem: String?) {
        var value: UInt64 = 0
        var digitCount = 0
        for (offset, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digitCount == 0 && byte == UInt8(ascii: "0") {
                    return (
                        nil,
                        "it starts with 0, so it is a national number; write it with its country code (46701234567)"
                    )
                }
                digitCount += 1
                guard digitCount <= maximumDigits else { break }
                value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "+"):
                guard offset == 0 else { return (nil, "a + is allowed only as the first character") }
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"):
                continue
            default:
                return (
                    nil, "it contains \(describe(byte)); only digits, a leading +, spaces, -, . and ( ) are allowed"
                )
            }
        }
        guard digitCount >= minimumDigits, digitCount <= maximumDigits else {
            return (
                nil,
                digitCount == 0
                    ? "it has no digits"
                    : "it has \(digitCount) digits; a number with its country code has \(minimumDigits) to "
                        + "\(maximumDigits)"
            )
        }
        return (value, nil)
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? "\"\(Character(Unicode.Scalar(byte)))\"" : "byte 0x\(String(byte, radix: 16))"
    }
}
